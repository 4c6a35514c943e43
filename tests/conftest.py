"""Test set-up: one real PostgreSQL per test session (the embedded one unless
COMMONHOLD_TEST_DATABASE_URL names a server), a migrated template database built once,
and a fresh database copied from it for every test that asks for one."""

from __future__ import annotations

import os

os.environ["COMMONHOLD_FAST_PASSWORD_HASHING"] = "1"

import asyncio  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from server.clock import FrozenClock
from server.config import Config, load_config
from server.db import Database
from server.db import copies

TEMPLATE = "commonhold_test_template"
TEST_SECRET = "test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"


class PostgresForTests:
    def __init__(self, admin_dsn: str) -> None:
        self.admin_dsn = admin_dsn

    async def create_database(self) -> str:
        return await copies.copy_of(self.admin_dsn, TEMPLATE, "t")

    async def drop_database(self, dsn: str) -> None:
        await copies.drop(self.admin_dsn, dsn)


@pytest.fixture(scope="session")
def scratch_root() -> Iterator[Path]:
    """Where PostgreSQL data directories go: outside pytest's temp root on purpose.

    Run as root, pgserver starts PostgreSQL as its own unprivileged user, which must be able
    to reach the data directory. pytest makes its temp root private (chmod 700) whenever a
    session starts, so a second test run starting (another checkout, another terminal) would
    break a PostgreSQL starting in this one.
    """
    path = Path(tempfile.mkdtemp(prefix="commonhold-tests-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def scratch_dir(scratch_root: Path, request: pytest.FixtureRequest) -> Path:
    """A fresh directory under `scratch_root` for one test."""
    return Path(tempfile.mkdtemp(prefix=request.node.name[:24] + "-", dir=scratch_root))


@pytest.fixture(scope="session")
def postgres(scratch_root: Path) -> Iterator[PostgresForTests]:
    external = os.environ.get("COMMONHOLD_TEST_DATABASE_URL")
    server = None
    if external:
        admin_dsn = external
    else:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver

        (scratch_root / "pg").mkdir()
        server = pgserver.get_server(scratch_root / "pg" / "data", cleanup_mode="stop")
        admin_dsn = server.get_uri()
        admin_dsn = f"postgresql://postgres@/postgres?host={admin_dsn.split('host=', 1)[1]}"
    asyncio.run(copies.build_template(admin_dsn, TEMPLATE))
    yield PostgresForTests(admin_dsn)
    if server is not None:
        server.cleanup()


@pytest.fixture
async def database_url(postgres: PostgresForTests) -> AsyncIterator[str]:
    dsn = await postgres.create_database()
    yield dsn
    await postgres.drop_database(dsn)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await Database.connect(database_url, min_size=1, max_size=10)
    yield database
    await database.close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


def make_config(**overrides: Any) -> Config:
    values: dict[str, Any] = {
        "domain": "ch.test", "base_url": "http://ch.test", "allow_http": True,
        "secret_key": TEST_SECRET, "registrations": "open", "job_workers": 0,
        "data_dir": Path("/nonexistent-test-data-dir"),
        # Tests change tokens and users in the database and expect the next request to see it.
        "token_cache_seconds": 0,
    }
    values.update(overrides)
    return load_config(env={}, overrides=values, discover_toml=False)


@pytest.fixture
def config() -> Config:
    return make_config()


@pytest.fixture
def app_factory(db: Database, clock: FrozenClock) -> Callable[..., Any]:
    from server.app import create_app

    def factory(**overrides: Any) -> Any:
        return create_app(make_config(**overrides), db=db, clock=clock)

    return factory


@pytest.fixture
async def client(aiohttp_client: Any, app_factory: Callable[..., Any]) -> Any:
    return await aiohttp_client(app_factory())


@pytest.fixture
def worker(db: Database, clock: FrozenClock, config: Config) -> Callable[..., Any]:
    from server.jobs.context import JobContext
    from server.jobs.registry import job_handlers
    from server.jobs.worker import Worker

    def make(handlers: dict[str, Any] | None = None, *, http: Any = None,
             worker_config: Config | None = None) -> Worker:
        return Worker(JobContext(db=db, clock=clock, config=worker_config or config, http=http),
                      handlers or job_handlers())

    return make


__all__ = ["make_config", "replace"]


@pytest.fixture(autouse=True)
def _pooled_governance_actor_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The governance actor is made on first use; a pooled key pair instead of a new one."""
    from server.governance.federation import actor
    from tests.fakes.fediverse import key_pair

    async def pooled() -> tuple[str, str]:
        return key_pair(31)

    monkeypatch.setattr(actor, "keypair", pooled)
