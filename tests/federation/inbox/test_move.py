"""Move: a remote account moves; our members' follows move with it when confirmed."""

from __future__ import annotations

from typing import Any

from server.federation.activitypub import remote_actors
from server.follows import queries as follows_q
from tests.fakes.fediverse import FakeActor, FakeServer, payload
from tests.federation.conftest import Local
from tests.federation.factories import follow
from tests.federation.helpers import account_by_uri, deliver_and_process


async def _ada_follows(local: Local, ada: Any, alice: FakeActor) -> Any:
    origin = await remote_actors.fetch_actor(local.ctx, alice.uri)
    await follow(local.db, local.clock, ada.account_id, origin.id)
    return origin


async def test_a_confirmed_move_moves_our_followers(local: Local, ada: Any, alice: FakeActor,
                                                    gts: FakeServer) -> None:
    origin = await _ada_follows(local, ada, alice)
    gts.add_actor("alice", also_known_as=[alice.uri])
    item = await deliver_and_process(local, alice, payload("mastodon/move.json"))
    assert (item.state, item.error) == ("processed", None)
    target = await account_by_uri(local, "http://gts.test/users/alice")
    assert (await account_by_uri(local, alice.uri)).moved_to_account_id == target.id
    async with local.db.acquire() as conn:
        assert await follows_q.get_follow(conn, account_id=ada.account_id,
                                          target_id=origin.id) is None
        # A remote target: a request until its server accepts (the Follow goes out).
        assert await follows_q.get_follow_request(conn, account_id=ada.account_id,
                                                  target_id=target.id) is not None
    # Delivered again: already done.
    again = payload("mastodon/move.json")
    again["id"] += "-again"
    assert (await deliver_and_process(local, alice, again)).state == "ignored"


async def test_an_unconfirmed_move_changes_nothing(local: Local, ada: Any, alice: FakeActor,
                                                   gts: FakeServer) -> None:
    origin = await _ada_follows(local, ada, alice)
    gts.add_actor("alice")  # does not name the old account
    item = await deliver_and_process(local, alice, payload("mastodon/move.json"))
    assert item.state == "ignored" and "alsoKnownAs" in item.error
    assert (await account_by_uri(local, alice.uri)).moved_to_account_id is None
    async with local.db.acquire() as conn:
        assert await follows_q.get_follow(conn, account_id=ada.account_id,
                                          target_id=origin.id) is not None


async def test_the_target_is_fetched_afresh_to_confirm(local: Local, ada: Any, alice: FakeActor,
                                                       gts: FakeServer) -> None:
    await _ada_follows(local, ada, alice)
    moved = gts.add_actor("alice")
    await remote_actors.fetch_actor(local.ctx, moved.uri)    # stored before the alias existed
    moved.also_known_as = [alice.uri]
    item = await deliver_and_process(local, alice, payload("mastodon/move.json"))
    assert item.state == "processed"
