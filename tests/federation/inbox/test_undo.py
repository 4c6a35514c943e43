"""Undo: remote accounts take back follows, likes, boosts and blocks, even out of order."""

from __future__ import annotations

from typing import Any

from tests.fakes.fediverse import FakeActor, payload
from tests.federation.conftest import Local
from tests.federation.helpers import deliver_and_process
from tests.federation.inbox.support import fetch, notifications, status
from tests.federation.inbox.test_announce import announce_of
from tests.federation.inbox.test_like import ada_post, like_of


def undo(actor: FakeActor, inner: dict[str, Any]) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": inner["id"] + "/undo",
            "type": "Undo", "actor": actor.uri, "object": inner}


async def test_undo_follow_unfollows(local: Local, ada: Any, alice: FakeActor) -> None:
    follow = payload("mastodon/follow.json")
    await deliver_and_process(local, alice, follow)
    item = await deliver_and_process(local, alice, undo(alice, follow))
    assert (item.state, item.error) == ("processed", None)
    assert await fetch(local, "SELECT id FROM follows") == []


async def test_undo_like_unfavourites(local: Local, ada: Any, alice: FakeActor) -> None:
    post = await ada_post(local, ada)
    like = like_of(post.uri)
    await deliver_and_process(local, alice, like)
    undo_like = payload("mastodon/undo_like.json")
    undo_like["object"]["object"] = post.uri
    item = await deliver_and_process(local, alice, undo_like)
    assert item.state == "processed"
    after = await status(local, post.uri)
    assert after is not None and after.favourites_count == 0
    assert await notifications(local, ada.account_id) == []


async def test_undo_announce_removes_the_boost(local: Local, ada: Any, alice: FakeActor) -> None:
    post = await ada_post(local, ada)
    boost = announce_of(alice, post.uri)
    await deliver_and_process(local, alice, boost)
    # Mastodon names the Announce by id and embeds it.
    item = await deliver_and_process(local, alice, undo(alice, boost))
    assert item.state == "processed"
    stored = await status(local, boost["id"])
    assert stored is not None and stored.deleted_at is not None
    after = await status(local, post.uri)
    assert after is not None and after.reblogs_count == 0


async def test_undo_block_unblocks(local: Local, ada: Any, alice: FakeActor) -> None:
    block = payload("mastodon/block.json")
    await deliver_and_process(local, alice, block)
    item = await deliver_and_process(local, alice, undo(alice, block))
    assert item.state == "processed"
    assert await fetch(local, "SELECT id FROM blocks") == []


async def test_an_undo_by_id_only_finds_the_like(local: Local, ada: Any, alice: FakeActor) -> None:
    post = await ada_post(local, ada)
    like = like_of(post.uri)
    await deliver_and_process(local, alice, like)
    item = await deliver_and_process(local, alice, {**undo(alice, like), "object": like["id"]})
    assert item.state == "processed"
    assert await fetch(local, "SELECT id FROM favourites") == []


async def test_an_undo_before_its_like_drops_the_late_like(local: Local, ada: Any,
                                                           alice: FakeActor) -> None:
    post = await ada_post(local, ada)
    like = like_of(post.uri)
    early = await deliver_and_process(local, alice, undo(alice, like))
    assert early.state == "ignored"
    late = await deliver_and_process(local, alice, like)
    assert late.state == "ignored" and "undone before it arrived" in late.error
    assert await fetch(local, "SELECT id FROM favourites") == []


async def test_an_undo_before_its_follow_and_announce_drops_them(local: Local, ada: Any,
                                                                 alice: FakeActor) -> None:
    post = await ada_post(local, ada)
    follow, boost = payload("mastodon/follow.json"), announce_of(alice, post.uri)
    for inner in (follow, boost):
        await deliver_and_process(local, alice, undo(alice, inner))
    for inner in (follow, boost):
        assert (await deliver_and_process(local, alice, inner)).state == "ignored"
    assert await fetch(local, "SELECT id FROM follows") == []
    assert len(await fetch(local, "SELECT id FROM statuses")) == 1


async def test_the_marker_is_forgotten_after_seven_days(local: Local, ada: Any,
                                                        alice: FakeActor) -> None:
    from datetime import timedelta
    follow = payload("mastodon/follow.json")
    await deliver_and_process(local, alice, undo(alice, follow))
    local.clock.advance(timedelta(days=8))
    assert (await deliver_and_process(local, alice, follow)).state == "processed"


async def test_one_cannot_undo_someone_elses_like(local: Local, ada: Any,
                                                  alice: FakeActor) -> None:
    post = await ada_post(local, ada)
    like = like_of(post.uri)
    await deliver_and_process(local, alice, like)
    mallory = alice.server.add_actor("mallory")
    forged = {**undo(mallory, like), "object": like["id"], "id": f"{mallory.uri}#undo/1"}
    item = await deliver_and_process(local, mallory, forged)
    assert item.state == "ignored"
    assert len(await fetch(local, "SELECT id FROM favourites")) == 1
