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
