"""Like: remote accounts favourite our members' posts."""

from __future__ import annotations

from typing import Any

from tests.fakes.fediverse import FakeActor, payload
from tests.federation.conftest import Local
from tests.federation.factories import make_status
from tests.federation.helpers import deliver_and_process
from tests.federation.inbox.support import fetch, notifications, status


async def ada_post(local: Local, ada: Any, **fields: Any) -> Any:
    return await make_status(local.db, local.clock, account_id=ada.account_id, username="ada",
                             config=local.config, **fields)


def like_of(uri: str, number: int = 4242) -> dict[str, Any]:
    like = payload("mastodon/like.json")
    like.update(id=f"http://mastodon.test/users/alice#likes/{number}", object=uri)
    return like


async def test_a_like_counts_and_notifies(local: Local, ada: Any, alice: FakeActor) -> None:
    post = await ada_post(local, ada)
    item = await deliver_and_process(local, alice, like_of(post.uri))
    assert (item.state, item.error) == ("processed", None)
    after = await status(local, post.uri)
    assert after is not None and after.favourites_count == 1
    assert await notifications(local, ada.account_id) == [("favourite", post.id)]
    rows = await fetch(local, "SELECT uri FROM favourites")
    assert rows == [{"uri": "http://mastodon.test/users/alice#likes/4242"}]
    # The same like again (another id): still one.
    await deliver_and_process(local, alice, like_of(post.uri, 4243))
    after = await status(local, post.uri)
    assert after is not None and after.favourites_count == 1
    assert len(await notifications(local, ada.account_id)) == 1


async def test_a_like_of_a_followers_only_post_the_actor_cannot_see_is_ignored(
        local: Local, ada: Any, alice: FakeActor) -> None:
    post = await ada_post(local, ada, visibility="private")
    item = await deliver_and_process(local, alice, like_of(post.uri))
    assert item.state == "ignored"
    assert await fetch(local, "SELECT id FROM favourites") == []


async def test_a_like_of_an_unknown_post_is_ignored(local: Local, ada: Any,
                                                    alice: FakeActor) -> None:
    item = await deliver_and_process(local, alice, like_of("http://ch.test/users/ada/statuses/1"))
    assert item.state == "ignored"
