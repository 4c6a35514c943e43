"""Posting, editing, deleting, boosting and favouriting, with their home feeds and
notifications, through the service layer the API and federation call."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from server.accounts import queries as accounts_q
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.errors import ForbiddenError, NotFoundError, ValidationError
from server.follows import service as follows
from server.jobs import queries as jobs_q
from server.notifications import queries as notifications_q
from server.statuses import queries as statuses_q
from server.statuses import service as statuses
from server.statuses.compose import Draft, PollDraft
from server.timeline import queries as timeline_q
from tests.helpers import make_account, make_remote_account


@pytest.fixture
async def people(db: Database, config: Config, clock: FrozenClock) -> dict[str, Any]:
    return {name: await make_account(db, config, clock, name) for name in ("ada", "bea", "cy")}


async def post(db: Database, config: Config, clock: FrozenClock, author: Any, text: str,
               **kw: Any) -> Any:
    async with db.transaction() as conn:
        return await statuses.create_status(conn, config=config, author=author,
                                            draft=Draft(text=text, **kw), now=clock.now())


async def home(db: Database, account: Any, clock: FrozenClock) -> list[int]:
    async with db.acquire() as conn:
        return await timeline_q.list_home_timeline(conn, account_id=account.id, max_id=None,
                                                   since_id=None, min_id=None, limit=40,
                                                   now=clock.now())


async def test_post_is_formatted_and_reaches_followers_home_feeds(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any], worker: Any) -> None:
    ada, bea, cy = people["ada"], people["bea"], people["cy"]
    async with db.transaction() as conn:
        await follows.follow(conn, config=config, follower=bea, target=ada, now=clock.now())
    status = await post(db, config, clock, ada, "Hello @bea, see #Charter at https://example.org",
                        language="en")
    assert status.uri == f"http://ch.test/users/ada/statuses/{status.id}"
    assert 'class="u-url mention"' in status.content and 'href="http://ch.test/@bea"' in status.content
    assert 'href="http://ch.test/tags/charter"' in status.content
    await worker().run_until_idle()
    assert status.id in await home(db, ada, clock)
    assert status.id in await home(db, bea, clock)
    assert status.id not in await home(db, cy, clock)
    async with db.acquire() as conn:
        notes = await notifications_q.list_notifications_for(conn, account_id=bea.id)
        tags = await statuses_q.list_status_tags(conn, status_ids=[status.id])
    assert ("mention", status.id) in [(n["type"], n["status_id"]) for n in notes]
    assert tags == [(status.id, "Charter")]


async def test_post_in_rolled_back_transaction_leaves_nothing(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        await post(db, config, clock, people["ada"], "x" * 501)
    with pytest.raises(ValidationError):
        await post(db, config, clock, people["ada"], "with someone else's media", media_ids=[12345])
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM statuses") == 0
        assert await jobs_q.list_jobs(conn) == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"text": ""}, "can't be blank"),
    ({"text": "x", "visibility": "everyone"}, "visibility"),
    ({"text": "x", "language": "english!"}, "language"),
    ({"text": "x", "poll": PollDraft(options=["only one"], expires_in=timedelta(hours=1))}, "2 to 4"),
    ({"text": "x", "media_ids": [1, 2, 3, 4, 5]}, "at most 4"),
])
async def test_bad_drafts_are_refused(db: Database, config: Config, clock: FrozenClock,
                                      people: dict[str, Any], kwargs: dict[str, Any],
                                      message: str) -> None:
    with pytest.raises(ValidationError) as err:
        await post(db, config, clock, people["ada"], **kwargs)
    assert message in err.value.message


async def test_links_count_as_23_characters(db: Database, config: Config, clock: FrozenClock,
                                            people: dict[str, Any]) -> None:
    long_url = "https://example.org/" + "a" * 600
    status = await post(db, config, clock, people["ada"], "x" * 470 + " " + long_url)
    assert long_url in status.content


async def test_reply_threads_and_reaches_only_followers_of_both(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any], worker: Any) -> None:
    ada, bea, cy = people["ada"], people["bea"], people["cy"]
    async with db.transaction() as conn:
        await follows.follow(conn, config=config, follower=cy, target=bea, now=clock.now())
    parent = await post(db, config, clock, ada, "Root post")
    reply = await post(db, config, clock, bea, "A reply", in_reply_to_id=parent.id)
    assert reply.in_reply_to_id == parent.id and reply.conversation_id == parent.id
    await worker().run_until_idle()
    assert reply.id not in await home(db, cy, clock)  # cy follows bea but not ada
    async with db.acquire() as conn:
        refreshed = await statuses_q.get_status(conn, status_id=parent.id)
        mentioned = await statuses_q.list_mentioned_account_ids(conn, status_id=reply.id)
    assert refreshed and refreshed.replies_count == 1
    assert ada.id in mentioned


async def test_private_post_is_hidden_from_non_followers(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any]) -> None:
    ada, bea = people["ada"], people["bea"]
    status = await post(db, config, clock, ada, "followers only", visibility="private")
    async with db.transaction() as conn:
        with pytest.raises(NotFoundError):
            await statuses.access_status_for_viewing(conn, status_id=status.id, viewer=bea)
        await follows.follow(conn, config=config, follower=bea, target=ada, now=clock.now())
        assert await statuses.access_status_for_viewing(conn, status_id=status.id, viewer=bea)
        with pytest.raises(ForbiddenError):
            await statuses.reblog(conn, config=config, account=bea, status_id=status.id, now=clock.now())


async def test_direct_message_reaches_only_the_mentioned(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any], worker: Any) -> None:
    ada, bea, cy = people["ada"], people["bea"], people["cy"]
    async with db.transaction() as conn:
        await follows.follow(conn, config=config, follower=cy, target=ada, now=clock.now())
    dm = await post(db, config, clock, ada, "@bea psst", visibility="direct")
    await worker().run_until_idle()
    assert dm.id in await home(db, bea, clock)
    assert dm.id not in await home(db, cy, clock)


async def test_boost_and_favourite_count_notify_and_undo(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any], worker: Any) -> None:
    ada, bea, cy = people["ada"], people["bea"], people["cy"]
    async with db.transaction() as conn:
        await follows.follow(conn, config=config, follower=cy, target=bea, now=clock.now())
    original = await post(db, config, clock, ada, "Worth sharing")
    async with db.transaction() as conn:
        boost = await statuses.reblog(conn, config=config, account=bea, status_id=original.id,
                                      now=clock.now())
        again = await statuses.reblog(conn, config=config, account=bea, status_id=original.id,
                                      now=clock.now())
        await statuses.favourite(conn, account=bea, status_id=original.id, now=clock.now())
        await statuses.favourite(conn, account=bea, status_id=original.id, now=clock.now())
    assert again.id == boost.id
    await worker().run_until_idle()
    assert boost.id in await home(db, cy, clock)
    async with db.acquire() as conn:
        counted = await statuses_q.get_status(conn, status_id=original.id)
        types = {n["type"] for n in await notifications_q.list_notifications_for(conn, account_id=ada.id)}
    assert counted and counted.reblogs_count == 1 and counted.favourites_count == 1
    assert {"reblog", "favourite"} <= types
    async with db.transaction() as conn:
        await statuses.unreblog(conn, account=bea, status_id=original.id, now=clock.now())
        await statuses.unfavourite(conn, account=bea, status_id=original.id, now=clock.now())
    await worker().run_until_idle()
    assert boost.id not in await home(db, cy, clock)
    async with db.acquire() as conn:
        counted = await statuses_q.get_status(conn, status_id=original.id)
        types = {n["type"] for n in await notifications_q.list_notifications_for(conn, account_id=ada.id)}
    assert counted and counted.reblogs_count == 0 and counted.favourites_count == 0
    assert "favourite" not in types


async def test_edit_keeps_history_and_delete_leaves_a_tombstone(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any], worker: Any) -> None:
    ada, bea = people["ada"], people["bea"]
    status = await post(db, config, clock, ada, "First version #one")
    clock.advance(timedelta(minutes=1))
    async with db.transaction() as conn:
        with pytest.raises(ForbiddenError):
            await statuses.edit_status(conn, config=config, author=bea, status_id=status.id,
                                       draft=Draft(text="hijack"), now=clock.now())
    async with db.transaction() as conn:
        edited = await statuses.edit_status(conn, config=config, author=ada, status_id=status.id,
                                            draft=Draft(text="Second version #two", spoiler_text="cw"),
                                            now=clock.now())
        history = await statuses_q.list_status_edits(conn, status_id=status.id)
        tags = await statuses_q.list_status_tags(conn, status_ids=[status.id])
    assert edited.edited_at == clock.now() and "Second version" in edited.content
    assert edited.sensitive and edited.spoiler_text == "cw"
    assert [h["content"] for h in history] == [status.content]
    assert tags == [(status.id, "two")]
    await worker().run_until_idle()
    async with db.transaction() as conn:
        await statuses.delete_status(conn, account=ada, status_id=status.id, now=clock.now())
        gone = await statuses_q.get_status(conn, status_id=status.id)
        with pytest.raises(NotFoundError):
            await statuses.delete_status(conn, account=ada, status_id=status.id, now=clock.now())
    assert gone and gone.deleted_at == clock.now()
    await worker().run_until_idle()
    assert status.id not in await home(db, ada, clock)


async def test_locked_and_remote_follows_are_requests_until_accepted(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any]) -> None:
    ada, bea = people["ada"], people["bea"]
    alice = await make_remote_account(db, clock, "alice")
    async with db.transaction() as conn:
        await conn.execute("UPDATE accounts SET locked = true WHERE id = $1", ada.id)
    async with db.transaction() as conn:
        ada = await accounts_q.get_account(conn, account_id=ada.id)
        assert await follows.follow(conn, config=config, follower=bea, target=ada, now=clock.now()) == "requested"
        assert await follows.follow(conn, config=config, follower=bea, target=alice, now=clock.now()) == "requested"
        types = [n["type"] for n in await notifications_q.list_notifications_for(conn, account_id=ada.id)]
        assert types == ["follow_request"]
        await follows.accept_request(conn, follower=bea, target=ada, now=clock.now())
        await follows.accept_request(conn, follower=bea, target=alice, now=clock.now())
        stats = await conn.fetchrow("SELECT following_count FROM account_stats WHERE account_id = $1", bea.id)
        assert stats["following_count"] == 2
        await follows.unfollow(conn, follower=bea, target=alice, now=clock.now())
        stats = await conn.fetchrow("SELECT following_count FROM account_stats WHERE account_id = $1", bea.id)
        assert stats["following_count"] == 1


async def test_block_ends_follows_both_ways_and_stops_fanout(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any], worker: Any) -> None:
    ada, bea = people["ada"], people["bea"]
    async with db.transaction() as conn:
        await follows.follow(conn, config=config, follower=bea, target=ada, now=clock.now())
        await follows.follow(conn, config=config, follower=ada, target=bea, now=clock.now())
    before = await post(db, config, clock, ada, "before the block")
    await worker().run_until_idle()
    assert before.id in await home(db, bea, clock)
    async with db.transaction() as conn:
        await follows.block(conn, config=config, account=bea, target=ada, now=clock.now())
        with pytest.raises(ForbiddenError):
            await follows.follow(conn, config=config, follower=ada, target=bea, now=clock.now())
    await worker().run_until_idle()
    assert before.id not in await home(db, bea, clock)
    async with db.transaction() as conn:
        with pytest.raises(NotFoundError):
            await statuses.access_status_for_viewing(conn, status_id=before.id, viewer=bea)
