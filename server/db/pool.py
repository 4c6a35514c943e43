"""The asyncpg pool and the one way code gets a transaction."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeAlias

import asyncpg

from server.errors import ConfigError

Conn: TypeAlias = asyncpg.Connection


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb columns come back as Python values and go in from Python values.
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


class Database:
    """Owns an asyncpg pool. Services receive a connection, never the pool."""

    def __init__(self, pool: asyncpg.Pool, dsn: str) -> None:
        self.pool = pool
        self.dsn = dsn

    @classmethod
    async def connect(cls, dsn: str, *, min_size: int = 2, max_size: int = 20) -> Database:
        try:
            pool = await asyncpg.create_pool(
                dsn, min_size=min_size, max_size=max_size, init=_init_connection, timeout=10,
                command_timeout=60,
            )
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            raise ConfigError(f"DATABASE_URL: cannot connect to the database ({_why(exc)})") from None
        assert pool is not None
        return cls(pool, dsn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn

    @asynccontextmanager
    async def acquire(self, *, timeout: float | None = None) -> AsyncIterator[Conn]:
        async with self.pool.acquire(timeout=timeout) as conn:
            yield conn

    async def close(self) -> None:
        await self.pool.close()


def _why(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
