"""Signing keys: cached, refetched once when a key rotates, and fetched without holding up
activities from actors we already know."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from aiohttp import web

from server.app import create_app, make_client_session
from server.clock import FrozenClock
from server.db import Database
from server.jobs.context import JobContext
from tests.conftest import make_config
from tests.fakes.fediverse import FakeActor, FakeServer, Fediverse
from tests.federation.conftest import Local
from tests.federation.factories import make_member

INBOX = "http://ch.test/inbox"


def like(sender: FakeActor) -> dict[str, Any]:
    return {"id": f"{sender.server.base}/{uuid.uuid4()}", "type": "Like", "actor": sender.uri,
            "object": "http://ch.test/users/ada/statuses/1"}


async def test_a_known_key_is_not_fetched_again(local: Local, mastodon: FakeServer) -> None:
    alice = mastodon.add_actor("alice")
    for _ in range(3):
        assert (await mastodon.deliver(alice, like(alice), to=INBOX))[0] == 202
        await local.verify_deferred()
    assert mastodon.fetches_of("/users/alice") == 1


async def test_a_rotated_key_is_refetched_once_and_then_verifies(local: Local,
                                                                 mastodon: FakeServer) -> None:
    alice = mastodon.add_actor("alice")
    assert (await mastodon.deliver(alice, like(alice), to=INBOX))[0] == 202
    await local.verify_deferred()
    alice.rotate_key()
    local.clock.advance(timedelta(minutes=5))
    # The cached key fails, the actor is fetched again, the new key verifies.
    assert (await mastodon.deliver(alice, like(alice), to=INBOX))[0] == 202
    assert mastodon.fetches_of("/users/alice") == 2
    assert (await mastodon.deliver(alice, like(alice), to=INBOX))[0] == 202
    assert mastodon.fetches_of("/users/alice") == 2
    assert len(await local.inbox_items()) == 3


async def test_bad_signatures_do_not_make_us_refetch_over_and_over(
        local: Local, mastodon: FakeServer) -> None:
    alice = mastodon.add_actor("alice")
    mallory = mastodon.add_actor("mallory")
    assert (await mastodon.deliver(alice, like(alice), to=INBOX))[0] == 202
    await local.verify_deferred()
    local.clock.advance(timedelta(minutes=5))
    for _ in range(3):
        status, _ = await mastodon.deliver(alice, like(alice), to=INBOX,
                                           private_key=mallory.private_key)
        assert status == 401
    # one refetch for the first failure; the next ones fall within the refresh interval
    assert mastodon.fetches_of("/users/alice") == 2


async def test_a_slow_unknown_key_does_not_hold_up_known_actors(
        aiohttp_server: Any, database_url: str, clock: FrozenClock, fediverse: Fediverse,
        mastodon: FakeServer, gts: FakeServer) -> None:
    # When the inbox checks unknown keys itself (not the default: see the next test).
    # One database connection only: if the slow fetch held it, the second delivery would wait.
    db = await Database.connect(database_url, min_size=1, max_size=1)
    config = make_config(allow_private_addresses=True, inbox_defer_unknown_keys=False)
    session = make_client_session(config, resolver=fediverse.resolver())
    try:
        app = create_app(config, db=db, clock=clock, http=session)
        fediverse.ports["ch.test"] = (await aiohttp_server(app)).port
        await make_member(db, config, clock, "ada")
        alice = mastodon.add_actor("alice")
        assert (await mastodon.deliver(alice, like(alice), to=INBOX))[0] == 202

        asked, release = asyncio.Event(), asyncio.Event()

        async def slow_actor(request: web.Request) -> web.Response:
            asked.set()
            await release.wait()
            return web.json_response(slow.document(), content_type="application/activity+json")
        slow = gts.add_actor("slow")
        gts.custom["/users/slow/main-key"] = slow_actor
        pending = asyncio.ensure_future(gts.deliver(slow, like(slow), to=INBOX))
        await asyncio.wait_for(asked.wait(), 5)
        # While the unknown key's server stalls, a known actor's activity goes straight in.
        for _ in range(5):
            status, _ = await asyncio.wait_for(mastodon.deliver(alice, like(alice), to=INBOX), 5)
            assert status == 202
        assert not pending.done()
        release.set()
        assert (await asyncio.wait_for(pending, 5))[0] in (202, 401)
        async with db.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM inbox_items") >= 6
    finally:
        await session.close()
        await db.close()


async def test_an_unknown_key_is_fetched_by_the_job_not_while_the_sender_waits(
        local: Local, mastodon: FakeServer) -> None:
    asked = asyncio.Event()
    alice = mastodon.add_actor("alice")

    async def stalled(request: web.Request) -> web.Response:
        asked.set()
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")
    mastodon.custom["/users/alice"] = stalled
    status, _ = await asyncio.wait_for(mastodon.deliver(alice, like(alice), to=INBOX), 5)
    assert status == 202 and not asked.is_set()
    assert await local.count("inbox_items") == 0


async def test_kept_posts_signed_before_and_after_a_rotation(local: Local,
                                                             mastodon: FakeServer) -> None:
    """Both wait for the key; the one fetch gives the new key: the POST signed by the key it
    replaced is dropped, the other stored."""
    from server.federation.activitypub.unverified import service as unverified

    dropped = sum(unverified.DROPPED.values())
    alice = mastodon.add_actor("alice")
    await mastodon.deliver(alice, like(alice), to=INBOX)
    alice.rotate_key()
    local.clock.advance(timedelta(minutes=5))
    await mastodon.deliver(alice, like(alice), to=INBOX)  # old key not stored yet: kept too
    await local.verify_deferred()
    assert len(await local.inbox_items()) == 1  # the first was signed by the old key
    assert mastodon.fetches_of("/users/alice") == 1
    assert sum(unverified.DROPPED.values()) == dropped + 1


async def test_concurrent_requests_for_one_unknown_key_fetch_it_once(
        local: Local, mastodon: FakeServer) -> None:
    from server.federation.activitypub import keyring

    alice = mastodon.add_actor("alice")
    ctx: JobContext = local.ctx
    keys = await asyncio.gather(*(keyring.key_for(ctx, alice.key_id) for _ in range(5)))
    assert {k.owner_uri for k in keys} == {alice.uri}
    assert mastodon.fetches_of("/users/alice") == 1


async def test_a_caller_that_read_no_key_just_before_a_fetch_stored_it_does_not_fetch_again(
        local: Local, mastodon: FakeServer) -> None:
    from server.federation.activitypub import keyring

    alice = mastodon.add_actor("alice")
    ctx: JobContext = local.ctx
    first = await keyring.key_for(ctx, alice.key_id)
    # As a concurrent first POST whose database read came before the fetch stored the key.
    late = await keyring.key_for(ctx, alice.key_id, stored=None)
    assert late.owner_uri == first.owner_uri == alice.uri
    assert mastodon.fetches_of("/users/alice") == 1
