"""The pool's reset on release: skipped only where the caller promised a clean connection."""

from __future__ import annotations

from server.db import Database, pool


async def _one_connection(database_url: str) -> Database:
    return await Database.connect(database_url, min_size=1, max_size=1)


async def test_a_plain_release_skips_the_reset_and_a_normal_one_runs_it(database_url: str) -> None:
    db = await _one_connection(database_url)
    try:
        async with db.acquire() as conn:
            await conn.execute("SET application_name = 'dirty'")
        async with db.acquire() as conn:
            assert await conn.fetchval("SHOW application_name") != "dirty"
            await conn.execute("SET application_name = 'kept'")
        # acquire_plain promises single statements only; this breaks the promise on purpose
        # to show the reset query really is skipped once, and only once.
        async with db.acquire_plain() as conn:
            await conn.execute("SET application_name = 'plain'")
        async with db.acquire() as conn:
            assert await conn.fetchval("SHOW application_name") == "plain"
        async with db.acquire() as conn:
            assert await conn.fetchval("SHOW application_name") != "plain"
    finally:
        await db.close()


async def test_a_plain_release_still_ends_an_open_transaction(database_url: str) -> None:
    db = await _one_connection(database_url)
    try:
        async with db.acquire_plain() as conn:
            await conn.execute("BEGIN")
            await conn.execute("CREATE TEMPORARY TABLE t (x int)")
        async with db.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT to_regclass('pg_temp.t')") is None
    finally:
        await db.close()


async def test_a_plain_body_that_raises_is_reset(database_url: str) -> None:
    db = await _one_connection(database_url)
    try:
        try:
            async with db.acquire_plain() as conn:
                await conn.execute("SET application_name = 'failed'")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        async with db.acquire() as conn:
            assert await conn.fetchval("SHOW application_name") != "failed"
    finally:
        await db.close()


async def test_json_values_keep_the_standard_librarys_meaning(database_url: str) -> None:
    """The codecs parse with orjson but must read and refuse exactly what json did."""
    import math
    from datetime import UTC, datetime

    import asyncpg
    import pytest

    db = await _one_connection(database_url)
    big = {"n": 2**70, "neg": -(2**63) - 1, "u64": 2**64 - 1, "f": 0.1, "s": "é\u2028"}
    try:
        async with db.acquire() as conn:
            assert await conn.fetchval("SELECT $1::jsonb", big) == big
            assert await conn.fetchval("SELECT $1::json", big) == big
            huge = await conn.fetchval("SELECT '[1e400, 123456789012345678901234567890]'::jsonb")
            assert huge == [10**400, 123456789012345678901234567890]
            assert await conn.fetchval("""SELECT '"\\ud800"'::json""") == "\ud800"
            assert await conn.fetchval("SELECT $1::jsonb", {"a": None, "annul": [1]}) == {
                "a": None, "annul": [1]}
            assert await conn.fetchval("SELECT $1::jsonb", {1: 2}) == {"1": 2}
            for bad in ({"x": math.nan}, [math.inf]):
                with pytest.raises(Exception):   # json writes NaN and Infinity; jsonb refuses
                    await conn.fetchval("SELECT $1::jsonb", bad)
            with pytest.raises(asyncpg.DataError, match="not JSON serializable"):
                await conn.fetchval("SELECT $1::jsonb", {"at": datetime.now(UTC)})
    finally:
        await db.close()


async def test_prepared_statements_are_kept_without_a_time_limit(database_url: str) -> None:
    db = await _one_connection(database_url)
    try:
        async with db.acquire() as conn:
            await conn.fetchval("SELECT 1")
            cache = conn._con._stmt_cache  # the connection behind the pool's proxy
            assert cache.get_max_lifetime() == 0
            assert cache.get_max_size() == pool.STATEMENT_CACHE_SIZE
            assert len(cache) == 1
    finally:
        await db.close()
