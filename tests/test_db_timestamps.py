"""timestamptz through server.db.timestamps: the values asyncpg's own codec gives, both ways,
and one object per distinct value."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import asyncpg
import pytest

from server.db import Database, timestamps

TEXTS = ["2026-11-26 13:22:31.123456+00", "2000-01-01 00:00:00+00", "1999-12-31 23:59:59.999999+00",
         "1970-01-01 00:00:00+00", "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00",
         "1969-07-20 20:17:40.000001+00", "2026-03-29 01:30:00+02", "infinity", "-infinity"]

PARAMS = [datetime(2026, 11, 26, 13, 22, 31, 123456, tzinfo=UTC),
          datetime(2026, 11, 26, 14, 22, 31, tzinfo=timezone(timedelta(hours=1))),
          datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
          datetime(2000, 1, 1, tzinfo=UTC), datetime(1, 1, 1, 0, 0, 1, tzinfo=UTC),
          datetime(2026, 11, 26, 13, 22, 31),   # naive: local time, as asyncpg takes it
          datetime.max, datetime.min, datetime.max.replace(tzinfo=UTC),
          datetime.min.replace(tzinfo=UTC), date(2026, 11, 26)]

SELECT = "SELECT t::timestamptz FROM unnest($1::text[]) AS t"


async def test_values_read_are_asyncpgs_own(database_url: str) -> None:
    plain = await asyncpg.connect(database_url)
    db = await Database.connect(database_url, min_size=1, max_size=1)
    try:
        expected = [r[0] for r in await plain.fetch(SELECT, TEXTS)]
        async with db.acquire() as conn:
            got = [r[0] for r in await conn.fetch(SELECT, TEXTS)]
            again = [r[0] for r in await conn.fetch(SELECT, TEXTS)]
            arrays = await conn.fetchval(
                "SELECT array_agg(t::timestamptz) FROM unnest($1::text[]) t", TEXTS)
        assert got == expected
        assert ([(v.tzinfo, v.utcoffset()) for v in got]
                == [(v.tzinfo, v.utcoffset()) for v in expected])
        assert all(a is b for a, b in zip(got, again))   # found again, not made again
        assert arrays == expected
    finally:
        await plain.close()
        await db.close()


async def test_values_written_are_asyncpgs_own(database_url: str) -> None:
    plain = await asyncpg.connect(database_url)
    db = await Database.connect(database_url, min_size=1, max_size=1)
    try:
        query = "SELECT $1::timestamptz::text"
        async with db.acquire() as conn:
            for value in PARAMS:
                got = await conn.fetchval(query, value)
                assert got == await plain.fetchval(query, value), value
            arrays = "SELECT $1::timestamptz[]::text[]"
            assert await conn.fetchval(arrays, PARAMS) == await plain.fetchval(arrays, PARAMS)
            for c in (conn, plain):
                with pytest.raises(asyncpg.DataError, match=r"expected a datetime.date or "
                                   r"datetime.datetime instance, got 'str'"):
                    await c.fetchval(query, "2026-11-26")
    finally:
        await plain.close()
        await db.close()


def test_the_decoded_values_are_forgotten_past_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timestamps, "KEEP", 3)
    timestamps._DECODED.clear()
    for micros in range(5):
        assert timestamps.decode((micros,)) == timestamps.EPOCH + timedelta(microseconds=micros)
    assert len(timestamps._DECODED) <= 3
