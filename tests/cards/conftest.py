"""Fixtures for link previews: the fake site on loopback, the app and a worker whose HTTP
client reaches that site (and nothing else) through the test resolver, wrapped in the same
address guard as in production (private addresses allowed: everything here is 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from server.app import create_app, make_client_session
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.jobs.context import JobContext
from server.jobs.registry import job_handlers
from server.jobs.worker import Worker
from tests.api.conftest import member  # noqa: F401  (the fixture, used with this app)
from tests.cards.site import HOST, Site
from tests.conftest import make_config
from tests.fakes.fediverse import FakeResolver


@pytest.fixture
async def site(aiohttp_server: Any) -> Site:
    fake = Site()
    fake.port = (await aiohttp_server(fake.app())).port
    return fake


@pytest.fixture
def api_config(tmp_path: Path) -> Config:
    return make_config(data_dir=tmp_path / "data", contact_email="admins@ch.test",
                       allow_private_addresses=True)


@pytest.fixture
async def http(site: Site, api_config: Config) -> AsyncIterator[Any]:
    session = make_client_session(api_config, resolver=FakeResolver({HOST: site.port}))
    yield session
    await session.close()


@pytest.fixture
async def api(aiohttp_client: Any, db: Database, clock: FrozenClock, api_config: Config,
              http: Any) -> Any:
    return await aiohttp_client(create_app(api_config, db=db, clock=clock, http=http))


@pytest.fixture
def ctx(db: Database, clock: FrozenClock, api_config: Config, http: Any) -> JobContext:
    return JobContext(db=db, clock=clock, config=api_config, http=http)


@pytest.fixture
def jobs(ctx: JobContext) -> Worker:
    return Worker(ctx, job_handlers())
