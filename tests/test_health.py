"""/health tells a load balancer whether this process can serve: 200 while the database
answers, 503 (still JSON, never a crash) while it does not, and 200 again once it is back."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import asyncpg

from server.app import create_app
from server.db import Database
from tests.conftest import make_config


async def _health(client: Any) -> tuple[int, Any]:
    resp = await client.get("/health")
    assert resp.content_type == "application/json"
    return resp.status, await resp.json()


UNAVAILABLE = {"status": "unavailable", "database": "unreachable"}


async def test_health_is_503_once_the_pool_is_closed(aiohttp_client: Any, database_url: str,
                                                     clock: Any) -> None:
    db = await Database.connect(database_url, min_size=1, max_size=2)
    client = await aiohttp_client(create_app(make_config(), db=db, clock=clock))
    assert await _health(client) == (200, {"status": "ok", "database": "ok"})
    await db.close()
    assert await _health(client) == (503, UNAVAILABLE)


async def test_health_follows_the_database_refusing_connections_and_coming_back(
        aiohttp_client: Any, postgres: Any, database_url: str, clock: Any) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    db = await Database.connect(database_url, min_size=1, max_size=2)
    client = await aiohttp_client(create_app(make_config(), db=db, clock=clock))
    assert (await _health(client))[0] == 200
    admin = await asyncpg.connect(postgres.admin_dsn)
    try:
        # What an operator does to take a database offline: no new sessions, end the old ones.
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = $1 AND pid <> pg_backend_pid()", name)
        # The first check meets the connection the server ended, the second has to open one.
        assert await _health(client) == (503, UNAVAILABLE)
        assert await _health(client) == (503, UNAVAILABLE)
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert await _health(client) == (200, {"status": "ok", "database": "ok"})
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()
        await db.close()


class _ConnectionInABadState(Database):
    """A pool whose connection fails the way asyncpg fails when the server ends a connection
    while a query is being sent (seen with the test above under load): not an OSError, not a
    PostgresError, not an InterfaceError."""

    def __init__(self) -> None:
        pass

    def acquire(self, *, timeout: float | None = None) -> Any:
        raise asyncpg.exceptions.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress")


async def test_health_is_503_whatever_the_database_failure(aiohttp_client: Any,
                                                            clock: Any) -> None:
    app = create_app(make_config(), db=_ConnectionInABadState(), clock=clock)
    client = await aiohttp_client(app)
    assert await _health(client) == (503, UNAVAILABLE)
