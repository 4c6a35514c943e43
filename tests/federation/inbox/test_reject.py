"""Reject: a remote account declines our member's follow request, or ends the follow."""

from __future__ import annotations

from typing import Any

from server.follows import queries as follows_q
from tests.fakes.fediverse import FakeActor, payload
from tests.federation.conftest import Local
from tests.federation.factories import follow
from tests.federation.helpers import deliver_and_process
from tests.federation.inbox.support import fetch
from tests.federation.inbox.test_accept import _request


def _reject(uri: str) -> dict[str, Any]:
    reject = payload("mastodon/accept.json")
    reject.update(type="Reject", id="http://mastodon.test/users/alice#rejects/follows/1")
    reject["object"]["id"] = uri
    return reject


async def test_a_reject_removes_the_request(local: Local, ada: Any, alice: FakeActor) -> None:
    target, uri = await _request(local, ada, alice)
    item = await deliver_and_process(local, alice, _reject(uri))
    assert (item.state, item.error) == ("processed", None)
    async with local.db.acquire() as conn:
        assert await follows_q.get_follow_request(conn, account_id=ada.account_id,
                                                  target_id=target.id) is None
    assert await fetch(local, "SELECT id FROM follows") == []


async def test_a_reject_after_accepting_ends_the_follow(local: Local, ada: Any,
                                                        alice: FakeActor) -> None:
    target, uri = await _request(local, ada, alice)
    await fetch(local, "DELETE FROM follow_requests")
    await follow(local.db, local.clock, ada.account_id, target.id)
    item = await deliver_and_process(local, alice, _reject("http://ch.test/users/ada#follows/x"))
    assert item.state == "processed"
    assert await fetch(local, "SELECT id FROM follows") == []
