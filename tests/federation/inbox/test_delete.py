"""Delete: a remote actor deleted by its own server."""

from __future__ import annotations

from typing import Any

from server.statuses import queries as statuses_q
from tests.fakes.fediverse import FakeActor, payload
from tests.federation.conftest import Local
from tests.federation.factories import follow, make_status
from tests.federation.helpers import INBOX, account_by_uri, deliver_and_process


async def test_delete_of_an_actor_removes_it_and_tombstones_its_posts(
        local: Local, ada: Any, alice: FakeActor) -> None:
    await deliver_and_process(local, alice, {**payload("mastodon/like.json"), "id":
                                             f"{alice.uri}#likes/1"})
    account = await account_by_uri(local, alice.uri)
    posts = [await make_status(local.db, local.clock, account_id=account.id, username=None,
                               uri=f"{alice.uri}/statuses/{n}") for n in range(3)]
    mine = await make_status(local.db, local.clock, account_id=ada.account_id, username="ada",
                             config=local.config)
    boost = await make_status(local.db, local.clock, account_id=ada.account_id, username="ada",
                              config=local.config, reblog_of_id=posts[0].id, content="")
    await follow(local.db, local.clock, account.id, ada.account_id)
    await follow(local.db, local.clock, ada.account_id, account.id)

    item = await deliver_and_process(local, alice, payload("mastodon/delete_actor.json"))
    assert item.state == "processed"
    assert (await account_by_uri(local, alice.uri)).suspended_at is not None
    async with local.db.acquire() as conn:
        statuses = await statuses_q.get_statuses(
            conn, status_ids=[p.id for p in posts] + [mine.id, boost.id])
        assert await conn.fetchval("SELECT count(*) FROM follows") == 0
    assert all(statuses[p.id].deleted_at is not None for p in posts)
    assert statuses[boost.id].deleted_at is not None
    assert statuses[mine.id].deleted_at is None
    # What the deleted actor sends afterwards is dropped at the door.
    status, _ = await alice.server.deliver(alice, payload("mastodon/follow.json"), to=INBOX)
    assert status == 202
    assert len(await local.inbox_items()) == 2


async def test_delete_of_a_post_tombstones_it_and_its_boosts_and_clears_feeds(
        local: Local, ada: Any, alice: FakeActor) -> None:
    from server.federation.activitypub import remote_actors
    from tests.federation.inbox.support import create_note, home, status
    account = await remote_actors.fetch_actor(local.ctx, alice.uri)
    await follow(local.db, local.clock, ada.account_id, account.id)
    create = create_note(alice, 112233445566778899)
    await deliver_and_process(local, alice, create)
    post = await status(local, create["object"]["id"])
    assert post is not None and await home(local, ada.account_id) == [post.id]
    boost = await make_status(local.db, local.clock, account_id=ada.account_id, username="ada",
                              config=local.config, reblog_of_id=post.id, content="")
    item = await deliver_and_process(local, alice, payload("mastodon/delete_note.json"))
    assert (item.state, item.error) == ("processed", None)
    gone = await status(local, post.uri)
    assert gone is not None and gone.deleted_at is not None
    async with local.db.acquire() as conn:
        assert (await statuses_q.get_status(conn, status_id=boost.id)).deleted_at is not None
    assert post.id not in await home(local, ada.account_id)


async def test_only_the_author_can_delete_a_post(local: Local, ada: Any, alice: FakeActor) -> None:
    from tests.federation.inbox.support import create_note, status
    create = create_note(alice, 112233445566778899)
    await deliver_and_process(local, alice, create)
    mallory = alice.server.add_actor("mallory")
    delete = {**payload("mastodon/delete_note.json"), "actor": mallory.uri,
              "id": f"{mallory.uri}#delete/1"}
    item = await deliver_and_process(local, mallory, delete)
    assert item.state == "ignored" and "only the author" in item.error
    post = await status(local, create["object"]["id"])
    assert post is not None and post.deleted_at is None


async def test_a_delete_before_its_create_drops_the_late_post(local: Local, ada: Any,
                                                              alice: FakeActor) -> None:
    from tests.federation.inbox.support import create_note, status
    early = await deliver_and_process(local, alice, payload("mastodon/delete_note.json"))
    assert early.state == "ignored" and "remembered" in early.error
    create = create_note(alice, 112233445566778899)
    late = await deliver_and_process(local, alice, create)
    assert late.state == "ignored" and "deleted before it arrived" in late.error
    assert await status(local, create["object"]["id"]) is None
