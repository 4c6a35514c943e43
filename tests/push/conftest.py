"""Fixtures for Web Push: the client API app and members (from tests/api), a fake push
service on loopback, and a job worker whose HTTP client reaches it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp.test_utils import TestServer

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.federation.activitypub.http import client_session
from server.jobs.context import JobContext
from server.jobs.registry import job_handlers
from server.jobs.worker import Worker
from server.push import service
from tests.api.conftest import api, api_config, member  # noqa: F401 - fixtures
from tests.conftest import replace
from tests.fakes.fediverse import FakeResolver
from tests.push.fakepush import HOST, FakePushService


@pytest.fixture
async def push_service(db: Database, clock: FrozenClock) -> AsyncIterator[FakePushService]:
    async with db.acquire() as conn:
        key = await service.vapid_key(conn, now=clock.now())
    fake = FakePushService(server_key=key.public_key, now=clock.now())
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.port = server.port
    yield fake
    await server.close()


@pytest.fixture
async def push_worker(db: Database, clock: FrozenClock, api_config: Config,  # noqa: F811
                      push_service: FakePushService) -> AsyncIterator[Callable[[], Worker]]:
    # Loopback only, through the test resolver; private addresses are allowed for it alone.
    config = replace(api_config, allow_private_addresses=True)
    session = client_session(config, resolver=FakeResolver({HOST: push_service.port}))

    def make() -> Worker:
        return Worker(JobContext(db=db, clock=clock, config=config, http=session), job_handlers())

    yield make
    await session.close()

