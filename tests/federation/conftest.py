"""Fixtures for federation tests: fake remote servers and our own app, all on loopback.

`local` runs Commonhold as `http://ch.test` on a real port; its HTTP client reaches the
fakes (and nothing else) through the FakeResolver, wrapped in the same address guard as in
production, with private addresses allowed because everything here is on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from server.app import create_app, make_client_session
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.federation import queries as fed_q
from server.federation.activitypub import queries as ap_q
from server.jobs.context import JobContext
from server.jobs.registry import job_handlers
from server.jobs.worker import Worker
from tests.conftest import make_config
from tests.fakes.fediverse import FakeActor, FakeServer, Fediverse, key_pair
from tests.federation.factories import make_member


@dataclass
class Local:
    config: Config
    ctx: JobContext
    worker: Worker
    db: Database
    clock: FrozenClock

    def url(self, path: str) -> str:
        return self.config.url(path)

    async def inbox_items(self) -> list[ap_q.InboxItem]:
        async with self.db.acquire() as conn:
            return await ap_q.list_inbox_items(conn)

    async def verify_deferred(self) -> None:
        """Run only the jobs that verify inbox POSTs kept until their key is fetched
        (inbox policy row 10), not the processing they hand over to."""
        from server.federation.activitypub.unverified.service import JOB_KIND
        await Worker(self.ctx, job_handlers(), only=[JOB_KIND]).run_until_idle()

    async def count(self, table: str) -> int:
        assert table in ("inbox_items", "jobs", "reports", "accounts")
        async with self.db.acquire() as conn:
            return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608


@pytest.fixture
async def fediverse(aiohttp_server: Any, clock: FrozenClock) -> AsyncIterator[Fediverse]:
    fv = Fediverse(clock)
    fv.add("mastodon.test")
    fv.add("gts.test", software="gotosocial")
    for server in fv.servers.values():
        fv.ports[server.host] = (await aiohttp_server(server.app())).port
    await fv.open()
    yield fv
    await fv.close()


@pytest.fixture
def mastodon(fediverse: Fediverse) -> FakeServer:
    return fediverse["mastodon.test"]


@pytest.fixture
def gts(fediverse: Fediverse) -> FakeServer:
    return fediverse["gts.test"]


async def start_local(aiohttp_server: Any, db: Database, clock: FrozenClock,
                      fediverse: Fediverse, **overrides: Any) -> tuple[Local, Any]:
    config = make_config(**{"allow_private_addresses": True, **overrides})
    session = make_client_session(config, resolver=fediverse.resolver())
    app = create_app(config, db=db, clock=clock, http=session)
    server = await aiohttp_server(app)
    fediverse.ports[config.domain] = server.port
    ctx = JobContext(db=db, clock=clock, config=config, http=session)
    # A pooled key instead of a fresh one per test (the instance actor is made on first use).
    private_pem, public_pem = key_pair(30)
    async with db.transaction() as conn:
        await fed_q.insert_instance_actor(conn, public_key_pem=public_pem,
                                          private_key_pem=private_pem, now=clock.now())
    return Local(config, ctx, Worker(ctx, job_handlers()), db, clock), session


@pytest.fixture
async def local(aiohttp_server: Any, db: Database, clock: FrozenClock,
                fediverse: Fediverse) -> AsyncIterator[Local]:
    instance, session = await start_local(aiohttp_server, db, clock, fediverse)
    yield instance
    await session.close()


@pytest.fixture
async def ada(local: Local) -> Any:
    return await make_member(local.db, local.config, local.clock, "ada")


@pytest.fixture
def alice(mastodon: FakeServer) -> FakeActor:
    return mastodon.add_actor("alice", display_name="Alice")
