"""Accept: a remote account accepts our member's follow request."""

from __future__ import annotations

from typing import Any

from server.follows import queries as follows_q
from server.follows import service as follows
from server.federation.activitypub import remote_actors
from tests.fakes.fediverse import FakeActor, payload
from tests.federation.conftest import Local
from tests.federation.helpers import deliver_and_process
from tests.federation.inbox.support import fetch


async def _request(local: Local, ada: Any, alice: FakeActor) -> tuple[Any, str]:
    target = await remote_actors.fetch_actor(local.ctx, alice.uri)
    async with local.db.transaction() as conn:
        from server.accounts import queries as accounts_q
        member = await accounts_q.get_account(conn, account_id=ada.account_id)
        assert member is not None
        assert await follows.follow(conn, config=local.config, follower=member, target=target,
                                    now=local.clock.now()) == "requested"
        request = await follows_q.get_follow_request(conn, account_id=member.id,
                                                     target_id=target.id)
    assert request is not None and request.uri
    return target, request.uri


async def test_an_accept_naming_our_follow_makes_the_follow(local: Local, ada: Any,
                                                            alice: FakeActor) -> None:
    target, uri = await _request(local, ada, alice)
    accept = payload("mastodon/accept.json")
    accept["object"]["id"] = uri
    item = await deliver_and_process(local, alice, accept)
    assert (item.state, item.error) == ("processed", None)
    async with local.db.acquire() as conn:
        assert await follows_q.get_follow(conn, account_id=ada.account_id,
                                          target_id=target.id) is not None
        assert await follows_q.get_follow_request(conn, account_id=ada.account_id,
                                                  target_id=target.id) is None
    # Redelivered (another id): nothing more to accept.
    again = await deliver_and_process(local, alice, {**accept, "id": accept["id"] + "-2"})
    assert again.state == "ignored"
    assert len(await fetch(local, "SELECT id FROM follows")) == 1


async def test_an_accept_with_an_unknown_id_matches_by_actor_and_object(
        local: Local, ada: Any, alice: FakeActor) -> None:
    target, _ = await _request(local, ada, alice)
    accept = payload("mastodon/accept.json")
    accept["object"]["id"] = "http://ch.test/users/ada#follows/unknown"
    item = await deliver_and_process(local, alice, accept)
    assert item.state == "processed"
    async with local.db.acquire() as conn:
        assert await follows_q.get_follow(conn, account_id=ada.account_id,
                                          target_id=target.id) is not None


async def test_only_the_followed_actor_can_accept(local: Local, ada: Any, alice: FakeActor) -> None:
    target, uri = await _request(local, ada, alice)
    mallory = alice.server.add_actor("mallory")
    accept = payload("mastodon/accept.json")
    accept.update(id=f"{mallory.uri}#accepts/1", actor=mallory.uri)
    accept["object"]["id"] = uri
    item = await deliver_and_process(local, mallory, accept)
    assert item.state == "ignored"
    assert await fetch(local, "SELECT id FROM follows") == []
