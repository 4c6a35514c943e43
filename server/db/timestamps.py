"""timestamptz values as asyncpg gives them, but each distinct value decoded once per process.

asyncpg decodes a timestamptz by building a timedelta and adding it to its epoch, two calls
through Python's argument parsing: about 6,000 machine instructions a value. A page of the
home timeline holds about sixty (each status's and author's dates), and the same statuses
come back page after page, so that was a seventh of the app's work per page; hashing those
new datetime objects (the page caches key statuses and authors by their columns) was another
fifteenth, as an aware datetime's hash asks its tzinfo for the offset every time until it is
cached on the object. Here the value goes through asyncpg's "tuple" format (the raw
microseconds since 2000-01-01) and is looked up in a dict of the datetimes made so far: a hit
is a dict lookup in C and hands back the same object, whose hash is then computed once.

The results are those of asyncpg's own codec (tests/test_db_timestamps.py compares them), in
both directions: UTC-aware datetimes; PostgreSQL's infinities as the naive datetime.max and
datetime.min; a date parameter taken as local midnight; the same TypeError for anything else.
The dict forgets everything once it holds KEEP values (a few MiB at most), so a process that
meets ever new timestamps does not grow with them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import asyncpg

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)   # PostgreSQL's
PG_INFINITY = 0x7FFF_FFFF_FFFF_FFFF
PG_NEGATIVE_INFINITY = -0x8000_0000_0000_0000
# datetime.max and datetime.min as microseconds from the epoch: asyncpg writes them as the
# infinities, aware (in UTC) or not.
_MAX_MICROS = 252_455_615_999_999_999
_MIN_MICROS = -63_082_281_600_000_000

KEEP = 4_096   # distinct values held: W6's working set of ~800 statuses and authors, ~2,000 values


class _Decoded(dict[tuple[int], datetime]):
    """(microseconds,) -> datetime; its __getitem__ is the decoder, so a hit stays in C."""

    __slots__ = ()

    def __missing__(self, key: tuple[int]) -> datetime:
        micros = key[0]
        if micros == PG_INFINITY:
            value = datetime.max
        elif micros == PG_NEGATIVE_INFINITY:
            value = datetime.min
        else:
            value = EPOCH + timedelta(microseconds=micros)
        if len(self) >= KEEP:
            self.clear()
        self[key] = value
        return value


_DECODED = _Decoded()
decode = _DECODED.__getitem__


def encode(value: object) -> tuple[int]:
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            raise TypeError("expected a datetime.date or datetime.datetime instance, "
                            f"got {type(value).__name__!r}")
        value = datetime(value.year, value.month, value.day, tzinfo=_local_timezone())
    if value == datetime.max:   # naive: equal only to the naive one, as in asyncpg
        return (PG_INFINITY,)
    if value == datetime.min:
        return (PG_NEGATIVE_INFINITY,)
    delta = value.astimezone(UTC) - EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if micros == _MAX_MICROS:
        return (PG_INFINITY,)
    if micros == _MIN_MICROS:
        return (PG_NEGATIVE_INFINITY,)
    return (micros,)


def _local_timezone() -> timezone:
    offset = datetime.now(UTC).astimezone().utcoffset()
    assert offset is not None
    return timezone(offset)


async def install(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("timestamptz", encoder=encode, decoder=decode,
                              schema="pg_catalog", format="tuple")
