"""The asyncpg pool and the one way code gets a transaction."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeAlias

import asyncpg
import orjson

from server.db import timestamps
from server.errors import ConfigError

Conn: TypeAlias = asyncpg.Connection


# JSON through orjson (several times faster; every page of statuses decodes a few jsonb
# values per row), with the standard library's results wherever orjson's would differ:
# orjson reads an integer beyond 64 bits as a float, and refuses what json accepts (lone
# surrogates in a json column, numbers beyond a double). Such an integer needs a run of at
# least 19 digits; a value holding one is left to json (ids have 18 digits, so this is rare).
# The run is looked for with every digit made "0" by bytes.translate and one substring
# search, about ten times cheaper than a regular expression over the text.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUN = b"0" * 19
# datetimes, dataclasses and subclasses of str, int, dict and list go to json, which refuses
# the first two as before and writes the others its own way.
_DUMPS_OPTIONS = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
                  | orjson.OPT_PASSTHROUGH_SUBCLASS)


def _json_decode(text: str) -> object:
    try:
        data = text.encode()
    except UnicodeEncodeError:   # not from PostgreSQL (its text is UTF-8); json decides
        return json.loads(text)
    if _LONG_RUN not in data.translate(_DIGITS_TO_ZERO):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def _json_encode(value: object) -> str:
    try:
        out = orjson.dumps(value, option=_DUMPS_OPTIONS)
    except TypeError:   # integers beyond 64 bits, non-string keys, lone surrogates, ...
        return json.dumps(value)
    # orjson writes NaN and infinities as null; json writes NaN, which PostgreSQL refuses:
    # a value with a null in it is written by json, so such a value is still refused.
    if b"null" in out:
        return json.dumps(value)
    return out.decode()


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb columns come back as Python values and go in from Python values.
    await conn.set_type_codec("jsonb", encoder=_json_encode, decoder=_json_decode,
                              schema="pg_catalog")
    await conn.set_type_codec("json", encoder=_json_encode, decoder=_json_decode,
                              schema="pg_catalog")
    await timestamps.install(conn)   # each distinct timestamptz decoded once per process


class _Connection(asyncpg.Connection):
    """asyncpg's connection, able to skip the reset query on one release.

    On every release the pool sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL;`: one more round trip, as costly as the work of a one-statement request. Code
    that ran only single statements in autocommit (no transaction left open, no SET, LISTEN,
    cursor, advisory lock or temporary table) has nothing for it to undo and may say so with
    `Database.acquire_plain()`. asyncpg still rolls back an open transaction before asking
    for the query (Connection._reset), so a mistake there cannot leak a transaction; a SET
    or a LISTEN would leak, which is why skipping is asked for, never assumed."""

    _skip_next_reset = False

    def skip_next_reset(self) -> None:
        self._skip_next_reset = True

    def get_reset_query(self) -> str:
        if self._skip_next_reset:
            self._skip_next_reset = False
            return ""
        return super().get_reset_query()


# Prepared statements kept per connection (least recently used go first). A connection
# meets 60-70 distinct statements in the mixed soak (W7) out of the 450 named queries, about
# 1.7 KiB each on our side. They are kept without a time limit (asyncpg's default drops each
# one 300 s after it was prepared): the schema changes only by migrations, and when one
# invalidates a cached statement asyncpg drops the whole pool's cached statements on the first
# error, whatever their age. The expiry only re-prepared every statement of every connection
# every five minutes (a round trip each) and held a timer per cached statement.
STATEMENT_CACHE_SIZE = 100


# The pool's bounds. Requests and job workers share one process and one event loop, and
# PostgreSQL has a core or two: connections beyond what those keep busy only move the queue
# from the pool into PostgreSQL, while each holds a backend there and, here, its prepared
# statements (up to STATEMENT_CACHE_SIZE) and buffers; at 20, bursts of the W7 soak opened
# 15-17 and kept them. Measured on a busy machine (load 9-12, so roughly): the W7 soak waited
# as long for a connection at 10 as at 20 (p90 11 s both, the app overloaded), its statements
# taking half as long (p50 35 ms against 78); W6 at saturation (32 clients at once) waits
# longer in the pool at 10 (p99 0.8-1.0 s against 0.05-0.12 s), as 22 of its 32 requests
# must. A connection idle for a minute closes (asyncpg's default: five), so the pool shrinks
# back after a burst; the next burst pays a connect, a few ms.
POOL_MIN_SIZE = 2
POOL_MAX_SIZE = 10
POOL_IDLE_SECONDS = 60.0


class Database:
    """Owns an asyncpg pool. Services receive a connection, never the pool."""

    def __init__(self, pool: asyncpg.Pool, dsn: str) -> None:
        self.pool = pool
        self.dsn = dsn

    @classmethod
    async def connect(cls, dsn: str, *, min_size: int = POOL_MIN_SIZE,
                      max_size: int = POOL_MAX_SIZE) -> Database:
        try:
            pool = await asyncpg.create_pool(
                dsn, min_size=min_size, max_size=max_size, init=_init_connection, timeout=10,
                command_timeout=60, connection_class=_Connection,
                statement_cache_size=STATEMENT_CACHE_SIZE, max_cached_statement_lifetime=0,
                max_inactive_connection_lifetime=POOL_IDLE_SECONDS,
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

    @asynccontextmanager
    async def acquire_plain(self) -> AsyncIterator[Conn]:
        """A connection for single statements in autocommit only (see _Connection): its
        release skips the reset query. When the body raises, the release resets as usual."""
        async with self.pool.acquire() as conn:
            yield conn
            skip = getattr(conn, "skip_next_reset", None)  # absent on a pool made elsewhere
            if skip is not None:
                skip()

    async def close(self) -> None:
        await self.pool.close()


def _why(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
