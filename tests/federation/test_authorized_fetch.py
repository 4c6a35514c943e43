"""Authorized fetch: with COMMONHOLD_AUTHORIZED_FETCH on, members' ActivityPub documents go
only to signed requests from servers that are not suspended; the instance actor and pages
stay public. Off (the default), the same documents are public."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from server.clock import FrozenClock
from server.db import Database
from server.federation.activitypub.signatures import sign_request
from tests.fakes.fediverse import FakeActor, FakeServer, Fediverse
from tests.federation.conftest import Local, start_local
from tests.federation.factories import make_member
from tests.governance.factories import found_coop, propose, vote

AP = "application/activity+json"


@pytest.fixture
async def secure(aiohttp_server: Any, db: Database, clock: FrozenClock,
                 fediverse: Fediverse) -> AsyncIterator[Local]:
    instance, session = await start_local(aiohttp_server, db, clock, fediverse,
                                          authorized_fetch=True)
    yield instance
    await session.close()


async def _get(fediverse: Fediverse, url: str, *, actor: FakeActor | None = None,
               accept: str = AP) -> tuple[int, str]:
    headers = {"Accept": accept}
    if actor is not None:
        headers.update(sign_request(method="GET", url=url, body=None, key_id=actor.key_id,
                                    private_key=actor.private_key, now=fediverse.clock.now(),
                                    extra_headers={"Accept": accept}))
    async with fediverse.session.get(url, headers=headers) as resp:
        return resp.status, await resp.text()


async def test_member_documents_need_a_signature_in_secure_mode(
        secure: Local, fediverse: Fediverse, mastodon: FakeServer) -> None:
    await make_member(secure.db, secure.config, secure.clock, "ada")
    alice = mastodon.add_actor("alice")
    actor_url = secure.url("/users/ada")
    status, body = await _get(fediverse, actor_url)
    assert status == 401 and "error" in body
    status, body = await _get(fediverse, actor_url, actor=alice)
    assert status == 200 and '"preferredUsername": "ada"' in body.replace('":"', '": "')
    assert (await _get(fediverse, secure.url("/users/ada/followers"), actor=alice))[0] == 200
    assert (await _get(fediverse, secure.url("/users/ada/outbox")))[0] == 401
    # Bootstrapping stays possible: the instance actor and the HTML profile are public.
    assert (await _get(fediverse, secure.url("/actor")))[0] == 200
    assert (await _get(fediverse, actor_url, accept="text/html"))[0] == 200


async def test_a_suspended_domain_gets_nothing_even_when_signed(
        secure: Local, fediverse: Fediverse, mastodon: FakeServer) -> None:
    coop = await found_coop(secure.db, secure.config, secure.clock, ["ada"])
    proposal = await propose(secure.db, secure.clock, coop["ada"], "domain_policy",
                             motion={"domain": "mastodon.test", "policy": "suspend",
                                     "reason": "harassment", "clause": "§10.2"})
    await vote(secure.db, secure.clock, coop["ada"], proposal, "agree")
    secure.clock.set(proposal.closes_at + timedelta(seconds=1))
    await secure.worker.run_until_idle()
    alice = mastodon.add_actor("alice")
    status, _ = await _get(fediverse, secure.url("/users/ada"), actor=alice)
    assert status == 403


async def test_documents_are_public_when_secure_mode_is_off(
        local: Local, fediverse: Fediverse) -> None:
    await make_member(local.db, local.config, local.clock, "ada")
    assert (await _get(fediverse, local.url("/users/ada")))[0] == 200
