"""An author's statuses_count and last_status_at as Mastodon shows them, with a local post
counted when its transaction commits (migration 0023): one author's posts in flight at the
same time do not wait for each other, and the counts stay exact."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.statuses import service as statuses
from server.statuses.compose import Draft
from tests.helpers import make_account, make_remote_account


async def counts(db: Database, account_id: int) -> tuple[int, Any]:
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT statuses_count, last_status_at FROM account_stats "
                                  "WHERE account_id = $1", account_id)
    return (row["statuses_count"], row["last_status_at"]) if row else (0, None)


async def post(conn: Any, config: Config, author: Any, text: str, now: Any) -> Any:
    return await statuses.create_status(conn, config=config, author=author,
                                        draft=Draft(text=text), now=now)


async def test_one_authors_open_posts_do_not_wait_for_each_other(
        db: Database, config: Config, clock: FrozenClock) -> None:
    ada = await make_account(db, config, clock, "ada")
    first_at, second_at = clock.now(), clock.now() + timedelta(seconds=5)
    async with db.transaction() as first:
        await post(first, config, ada, "first", first_at)
        async with db.transaction() as second:
            # Before, the first post's row lock on account_stats held this one until the
            # first committed, which it cannot do while this waits: a deadlock in one task.
            await asyncio.wait_for(post(second, config, ada, "second", second_at), timeout=5)
            assert await counts(db, ada.id) == (0, None)   # neither committed yet
        assert await counts(db, ada.id) == (1, second_at)
    assert await counts(db, ada.id) == (2, second_at)


async def test_a_post_deleted_in_the_transaction_that_made_it_counts_nothing(
        db: Database, config: Config, clock: FrozenClock) -> None:
    ada = await make_account(db, config, clock, "ada")
    for expected in (0, 1):   # from no stats row yet, then from a count of one
        async with db.transaction() as conn:
            gone = await post(conn, config, ada, "oops", clock.now())
            await statuses.delete_status(conn, account=ada, status_id=gone.id, now=clock.now())
        assert (await counts(db, ada.id))[0] == expected
        async with db.transaction() as conn:
            await post(conn, config, ada, "kept", clock.now())
        assert (await counts(db, ada.id))[0] == expected + 1


async def test_deleting_counts_down_at_once_and_never_below_zero_for_remote_authors(
        db: Database, config: Config, clock: FrozenClock) -> None:
    ada = await make_account(db, config, clock, "ada")
    async with db.transaction() as conn:
        one = await post(conn, config, ada, "one", clock.now())
        await post(conn, config, ada, "two", clock.now())
    assert (await counts(db, ada.id))[0] == 2
    async with db.transaction() as conn:
        await statuses.delete_status(conn, account=ada, status_id=one.id, now=clock.now())
        # The DELETE's answer is rendered in its transaction, and shows the lower count.
        assert await conn.fetchval("SELECT statuses_count FROM account_stats "
                                   "WHERE account_id = $1", ada.id) == 1
    assert (await counts(db, ada.id))[0] == 1
    alice = await make_remote_account(db, clock, "alice")
    async with db.acquire() as conn:
        # A remote post is counted by its INSERT statement, as before.
        await conn.execute(
            "INSERT INTO statuses (id, account_id, uri, local, content, visibility, created_at, "
            "updated_at) VALUES (9001, $1, 'https://remote.test/s/1', false, '', 'public', $2, $2)",
            alice.id, clock.now())
        assert await conn.fetchval("SELECT statuses_count FROM account_stats "
                                   "WHERE account_id = $1", alice.id) == 1
