"""No outbound job for an action that reaches nobody on another server: decided when the
action's jobs are queued, in the same statement. Whatever does reach someone elsewhere is
still delivered, over real HTTP on loopback."""

from __future__ import annotations

from typing import Any

import pytest

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.jobs import queries as jobs_q
from server.statuses import service as statuses
from tests.federation.factories import follow, make_member
from tests.federation.outbound.conftest import World

pytestmark = pytest.mark.usefixtures("world")


async def queued(world: World) -> list[str]:
    async with world.local.db.acquire() as conn:
        return [j.kind for j in await jobs_q.list_jobs(conn, kind=None)]


def federation_jobs(kinds: list[str]) -> list[str]:
    return [k for k in kinds if k.startswith("federation.")]


async def member(world: World, name: str) -> Account:
    user = await make_member(world.local.db, world.local.config, world.local.clock, name)
    return await world.account(user.account_id)


async def act(world: World, action: Any, **kw: Any) -> Any:
    async with world.local.db.transaction() as conn:
        return await action(conn, now=world.local.clock.now(), **kw)


async def test_a_post_with_only_local_followers_queues_no_federation_job(world: World) -> None:
    bea = await member(world, "bea")
    await follow(world.local.db, world.local.clock, bea.id, world.ada.id)
    await world.post("Just among us")
    kinds = await queued(world)
    assert "timeline.fanout_status" in kinds
    assert federation_jobs(kinds) == []
    await world.run()
    assert world.all_posts() == []


async def test_a_post_with_one_remote_follower_is_still_delivered(world: World) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)
    posted = await world.post("Hello out there")
    assert federation_jobs(await queued(world)) == ["federation.send_create"]
    await world.run()
    [create] = world.received("mastodon.test")
    assert create["type"] == "Create" and create["object"]["id"] == posted.uri
    assert world.posts("gts.test") == []


async def test_a_remote_mention_is_delivered_without_remote_followers(world: World) -> None:
    dave = await world.remote("dave", "gts.test")
    await world.post("@dave@gts.test hello", visibility="direct")
    assert federation_jobs(await queued(world)) == ["federation.send_create"]
    await world.run()
    [create] = world.received("gts.test")
    assert create["to"] == [dave.uri]


async def test_a_direct_message_to_a_local_member_stays_here(world: World) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)   # followers do not matter
    await member(world, "bea")
    await world.post("@bea psst", visibility="direct")
    assert federation_jobs(await queued(world)) == []
    await world.run()
    assert world.all_posts() == []


async def test_a_reply_to_a_remote_post_reaches_its_author(world: World) -> None:
    erin = await world.remote("erin", "gts.test")
    parent = await world.remote_status(erin, 3)
    await world.post("Indeed", in_reply_to_id=parent.id)
    await world.run()
    assert world.types("gts.test") == ["Create"]


async def test_likes_and_boosts_of_local_posts_by_unfollowed_members_stay_here(
        world: World) -> None:
    bea = await member(world, "bea")
    posted = await world.post("Local news")
    await act(world, statuses.favourite, account=bea, status_id=posted.id)
    await act(world, statuses.reblog, config=world.local.config, account=bea,
              status_id=posted.id)
    await act(world, statuses.unreblog, account=bea, status_id=posted.id)
    await act(world, statuses.unfavourite, account=bea, status_id=posted.id)
    assert federation_jobs(await queued(world)) == []
    await world.run()
    assert world.all_posts() == []


async def test_likes_and_boosts_that_reach_elsewhere_still_go(world: World) -> None:
    bea = await member(world, "bea")
    await world.remote("alice", "mastodon.test", follows_ada=False)
    async with world.local.db.acquire() as conn:
        alice = await accounts_q.find_account_by_acct(conn, username="alice",
                                                      domain="mastodon.test")
    assert alice is not None
    await follow(world.local.db, world.local.clock, alice.id, bea.id)   # bea is followed there
    erin = await world.remote("erin", "gts.test")
    remote_post = await world.remote_status(erin, 5)
    local_post = await world.post("Local news")
    await act(world, statuses.favourite, account=bea, status_id=remote_post.id)
    await act(world, statuses.reblog, config=world.local.config, account=bea,
              status_id=local_post.id)
    await world.run()
    assert world.types("gts.test", "/users/erin/inbox") == ["Like"]   # its author's own inbox
    assert world.types("mastodon.test") == ["Announce"]
