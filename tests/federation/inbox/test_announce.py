"""Announce: remote accounts boost posts, ours or fetched from their origin."""

from __future__ import annotations

from typing import Any

from server.federation.activitypub import remote_actors
from tests.fakes.fediverse import FakeActor, FakeServer, payload
from tests.federation.conftest import Local
from tests.federation.factories import follow
from tests.federation.helpers import deliver_and_process
from tests.federation.inbox.support import create_note, fetch, home, notifications, status
from tests.federation.inbox.test_like import ada_post


def announce_of(actor: FakeActor, uri: str, number: int = 1) -> dict[str, Any]:
    doc = payload("mastodon/announce.json")
    doc.update(id=f"{actor.uri}/statuses/{number}/activity", actor=actor.uri, object=uri)
    return doc


async def test_a_boost_of_our_post_counts_and_notifies(local: Local, ada: Any,
                                                       alice: FakeActor) -> None:
    post = await ada_post(local, ada)
    activity = announce_of(alice, post.uri)
    item = await deliver_and_process(local, alice, activity)
    assert (item.state, item.error) == ("processed", None)
    boost = await status(local, activity["id"])
    assert boost is not None and boost.reblog_of_id == post.id and boost.visibility == "public"
    after = await status(local, post.uri)
    assert after is not None and after.reblogs_count == 1
    assert await notifications(local, ada.account_id) == [("reblog", post.id)]
    # Again under another id: the account boosted it already.
    again = await deliver_and_process(local, alice, announce_of(alice, post.uri, 2))
    assert again.state == "ignored"
    after = await status(local, post.uri)
    assert after is not None and after.reblogs_count == 1


async def test_a_boost_of_an_unknown_post_fetches_it_from_its_origin(
        local: Local, ada: Any, alice: FakeActor, gts: FakeServer) -> None:
    account = await remote_actors.fetch_actor(local.ctx, alice.uri)
    await follow(local.db, local.clock, ada.account_id, account.id)
    bob = gts.add_actor("bob")
    original = create_note(bob, 5)["object"]
    original["content"] = "<p>from gts, as gts has it</p>"
    gts.add_object(original)
    activity = announce_of(alice, original["id"], 3)
    item = await deliver_and_process(local, alice, activity)
    assert item.state == "processed"
    assert gts.fetches_of("/users/bob/statuses/5") == 1
    post = await status(local, original["id"])
    boost = await status(local, activity["id"])
    assert post is not None and boost is not None and boost.reblog_of_id == post.id
    assert post.content == "<p>from gts, as gts has it</p>"
    assert await home(local, ada.account_id) == [boost.id]


async def test_a_boost_of_a_post_whose_origin_attributes_it_elsewhere_is_refused(
        local: Local, ada: Any, alice: FakeActor, gts: FakeServer) -> None:
    forged = create_note(alice, 6)["object"]
    forged["id"] = "http://gts.test/users/bob/statuses/6"   # on gts, claiming alice
    gts.add_object(forged)
    item = await deliver_and_process(local, alice, announce_of(alice, forged["id"], 4))
    assert item.state == "failed" and "another host" in item.error
    assert await fetch(local, "SELECT id FROM statuses") == []


async def test_a_followers_only_post_is_not_boosted_by_others(local: Local, ada: Any,
                                                              alice: FakeActor) -> None:
    post = await ada_post(local, ada, visibility="private")
    item = await deliver_and_process(local, alice, announce_of(alice, post.uri))
    assert item.state == "ignored"
    assert len(await fetch(local, "SELECT id FROM statuses")) == 1
