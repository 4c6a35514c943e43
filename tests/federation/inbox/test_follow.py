"""Follow: remote accounts follow our members."""

from __future__ import annotations

from typing import Any

from server.follows import queries as follows_q
from tests.fakes.fediverse import FakeActor, payload
from tests.federation.conftest import Local
from tests.federation.factories import make_member
from tests.federation.helpers import account_by_uri, deliver_and_process
from tests.federation.inbox.support import fetch, notifications


async def test_an_open_account_is_followed_at_once(local: Local, ada: Any,
                                                   alice: FakeActor) -> None:
    activity = payload("mastodon/follow.json")
    item = await deliver_and_process(local, alice, activity)
    assert (item.state, item.error) == ("processed", None)
    follower = await account_by_uri(local, alice.uri)
    async with local.db.acquire() as conn:
        found = await follows_q.get_follow(conn, account_id=follower.id, target_id=ada.account_id)
    assert found is not None and found.uri == activity["id"]
    assert await notifications(local, ada.account_id) == [("follow", None)]


async def test_a_locked_account_gets_a_request(local: Local, alice: FakeActor) -> None:
    ada = await make_member(local.db, local.config, local.clock, "ada")
    await fetch(local, "UPDATE accounts SET locked = true WHERE id = $1", ada.account_id)
    activity = payload("mastodon/follow.json")
    item = await deliver_and_process(local, alice, activity)
    assert item.state == "processed"
    follower = await account_by_uri(local, alice.uri)
    async with local.db.acquire() as conn:
        assert await follows_q.get_follow(conn, account_id=follower.id,
                                          target_id=ada.account_id) is None
        request = await follows_q.get_follow_request_by_uri(conn, uri=activity["id"])
    assert request is not None and request.account_id == follower.id
    assert await notifications(local, ada.account_id) == [("follow_request", None)]


async def test_the_same_follow_twice_changes_nothing(local: Local, ada: Any,
                                                     alice: FakeActor) -> None:
    activity = payload("mastodon/follow.json")
    await deliver_and_process(local, alice, activity)
    await deliver_and_process(local, alice, {**activity, "id": activity["id"] + "-again"})
    assert len(await fetch(local, "SELECT id FROM follows")) == 1
    assert len(await notifications(local, ada.account_id)) == 1


async def test_a_follow_of_an_unknown_account_is_ignored(local: Local, ada: Any,
                                                         alice: FakeActor) -> None:
    activity = {**payload("mastodon/follow.json"), "object": "http://ch.test/users/nobody"}
    item = await deliver_and_process(local, alice, activity)
    assert item.state == "ignored"
    assert await fetch(local, "SELECT id FROM follows") == []
