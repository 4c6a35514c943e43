"""home_feed has no foreign keys (migration 0045): every way an entry stops being wanted
removes it or keeps it from being shown, without relying on ON DELETE CASCADE."""

from __future__ import annotations

from typing import Any

import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.follows import service as follows
from server.statuses import service as statuses
from server.statuses.compose import Draft
from server.timeline import queries as timeline_q
from tests.helpers import make_account, make_user


@pytest.fixture
async def people(db: Database, config: Config, clock: FrozenClock) -> dict[str, Any]:
    return {name: await make_account(db, config, clock, name) for name in ("ada", "bea", "cy")}


async def post(db: Database, config: Config, clock: FrozenClock, author: Any, text: str) -> Any:
    async with db.transaction() as conn:
        return await statuses.create_status(conn, config=config, author=author,
                                            draft=Draft(text=text), now=clock.now())


async def shown(db: Database, account: Any, clock: FrozenClock) -> list[int]:
    async with db.acquire() as conn:
        return await timeline_q.list_home_timeline(conn, account_id=account.id, max_id=None,
                                                   since_id=None, min_id=None, limit=40,
                                                   now=clock.now())


async def stored(db: Database, *, account_id: int | None = None, status_id: int | None = None) -> int:
    """Rows left in home_feed, whether or not a reader would show them."""
    async with db.acquire() as conn:
        return int(await conn.fetchval(
            "SELECT count(*) FROM home_feed WHERE ($1::bigint IS NULL OR account_id = $1)"
            " AND ($2::bigint IS NULL OR status_id = $2)", account_id, status_id))


async def following_post(db: Database, config: Config, clock: FrozenClock, worker: Any,
                         follower: Any, author: Any, text: str = "hello") -> Any:
    async with db.transaction() as conn:
        await follows.follow(conn, config=config, follower=follower, target=author, now=clock.now())
    status = await post(db, config, clock, author, text)
    await worker().run_until_idle()
    assert status.id in await shown(db, follower, clock)
    return status


async def test_the_foreign_keys_are_gone(db: Database) -> None:
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
                                   " AND conrelid = 'home_feed'::regclass") == 0


async def test_a_deleted_status_leaves_every_feed(db: Database, config: Config, clock: FrozenClock,
                                                  people: dict[str, Any], worker: Any) -> None:
    ada, bea = people["ada"], people["bea"]
    status = await following_post(db, config, clock, worker, bea, ada)
    async with db.transaction() as conn:
        await statuses.delete_status(conn, account=ada, status_id=status.id, now=clock.now())
    assert status.id not in await shown(db, bea, clock)       # at once, before the job runs
    await worker().run_until_idle()
    assert await stored(db, status_id=status.id) == 0


async def test_a_deleted_direct_message_leaves_the_feeds_of_those_it_mentions(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any], worker: Any) -> None:
    ada, bea = people["ada"], people["bea"]
    async with db.transaction() as conn:
        dm = await statuses.create_status(conn, config=config, author=ada,
                                          draft=Draft(text="@bea just between us", visibility="direct"),
                                          now=clock.now())
    await worker().run_until_idle()
    assert await stored(db, account_id=bea.id, status_id=dm.id) == 1
    async with db.transaction() as conn:
        await statuses.delete_status(conn, account=ada, status_id=dm.id, now=clock.now())
    await worker().run_until_idle()
    assert await stored(db, status_id=dm.id) == 0


async def test_an_undone_boost_leaves_the_feeds(db: Database, config: Config, clock: FrozenClock,
                                                people: dict[str, Any], worker: Any) -> None:
    ada, bea, cy = people["ada"], people["bea"], people["cy"]
    async with db.transaction() as conn:
        await follows.follow(conn, config=config, follower=cy, target=bea, now=clock.now())
    original = await post(db, config, clock, ada, "worth sharing")
    async with db.transaction() as conn:
        boost = await statuses.reblog(conn, config=config, account=bea, status_id=original.id,
                                      now=clock.now())
    await worker().run_until_idle()
    assert boost.id in await shown(db, cy, clock)
    async with db.transaction() as conn:
        await statuses.unreblog(conn, account=bea, status_id=original.id, now=clock.now())
    await worker().run_until_idle()
    assert await stored(db, status_id=boost.id) == 0


async def test_an_unfollow_empties_the_feed_of_the_author(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any], worker: Any) -> None:
    ada, bea = people["ada"], people["bea"]
    status = await following_post(db, config, clock, worker, bea, ada)
    async with db.transaction() as conn:
        await follows.unfollow(conn, follower=bea, target=ada, now=clock.now())
    await worker().run_until_idle()
    assert await stored(db, account_id=bea.id, status_id=status.id) == 0


async def test_a_block_empties_the_blockers_feed(db: Database, config: Config,
                                                 clock: FrozenClock, people: dict[str, Any],
                                                 worker: Any) -> None:
    ada, bea = people["ada"], people["bea"]
    status = await following_post(db, config, clock, worker, bea, ada)
    async with db.transaction() as conn:
        await follows.block(conn, config=config, account=bea, target=ada, now=clock.now())
    await worker().run_until_idle()
    assert await stored(db, account_id=bea.id, status_id=status.id) == 0


async def test_a_block_empties_the_blocked_accounts_feed_too(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any],
        worker: Any) -> None:
    ada, bea = people["ada"], people["bea"]
    status = await following_post(db, config, clock, worker, bea, ada)
    async with db.transaction() as conn:
        await follows.block(conn, config=config, account=ada, target=bea, now=clock.now())
    await worker().run_until_idle()
    assert await stored(db, account_id=bea.id, status_id=status.id) == 0


async def test_a_follower_removed_loses_the_posts_in_their_feed(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any],
        worker: Any) -> None:
    ada, bea = people["ada"], people["bea"]
    status = await following_post(db, config, clock, worker, bea, ada)
    async with db.transaction() as conn:
        await follows.remove_from_followers(conn, account=ada, follower=bea, now=clock.now())
    await worker().run_until_idle()
    assert await stored(db, account_id=bea.id, status_id=status.id) == 0
    assert await stored(db, account_id=ada.id, status_id=status.id) == 1


async def test_a_mute_hides_what_is_already_in_the_feed(db: Database, config: Config,
                                                        clock: FrozenClock, people: dict[str, Any],
                                                        worker: Any) -> None:
    ada, bea = people["ada"], people["bea"]
    status = await following_post(db, config, clock, worker, bea, ada)
    async with db.transaction() as conn:
        await follows.mute(conn, account=bea, target=ada, now=clock.now())
    assert status.id not in await shown(db, bea, clock)
    async with db.transaction() as conn:
        await follows.unmute(conn, account=bea, target=ada)
    assert status.id in await shown(db, bea, clock)


async def test_a_deleted_account_leaves_no_feed_behind(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any], worker: Any) -> None:
    """Accounts are hard-deleted only when a pending sign-up is rejected; the trigger of
    migration 0045 does what the foreign key's cascade did, for any such delete."""
    ada, bea = people["ada"], people["bea"]
    # Put there by hand: an account with follows or statuses cannot be hard-deleted at all
    # (their counters' triggers would write stats for the account being deleted).
    status = await post(db, config, clock, bea, "hello")
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO home_feed (account_id, status_id, author_id)"
                           " VALUES ($1, $2, $3)", ada.id, status.id, bea.id)
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM accounts WHERE id = $1", ada.id)
    assert await stored(db, account_id=ada.id) == 0


async def test_a_hard_deleted_status_leaves_every_feed(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any], worker: Any) -> None:
    """Statuses are tombstoned, never deleted, by the services; a status deleted in SQL (or
    with its account) still takes its feed entries with it."""
    ada, bea = people["ada"], people["bea"]
    status = await following_post(db, config, clock, worker, bea, ada)
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM statuses WHERE id = $1", status.id)
    assert await stored(db, status_id=status.id) == 0


async def test_rejecting_a_pending_sign_up_leaves_no_feed(db: Database, config: Config,
                                                          clock: FrozenClock) -> None:
    from server.accounts import service as accounts_service

    pending = await make_user(db, config, clock, "dee", approved=False)
    assert await stored(db, account_id=pending.account_id) == 0
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO home_feed (account_id, status_id, author_id)"
                           " VALUES ($1, 1, $1)", pending.account_id)
        await accounts_service.reject(conn, user_id=pending.id)
    assert await stored(db, account_id=pending.account_id) == 0


async def test_a_feed_row_whose_status_is_gone_is_not_shown(db: Database, config: Config,
                                                             clock: FrozenClock,
                                                             people: dict[str, Any]) -> None:
    """The readers join statuses: a row left behind by any path is never served."""
    bea = people["bea"]
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO home_feed (account_id, status_id, author_id)"
                           " VALUES ($1, 42, $1)", bea.id)
    assert 42 not in await shown(db, bea, clock)
