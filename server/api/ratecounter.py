"""The client API's rate-limit counters, counted in process memory and added to PostgreSQL
in batches.

Every API request is counted. Writing each count to PostgreSQL as it happens cost a pool
connection and an upsert per request — as much as a small page's own queries. Here a request
is counted in memory and answered from what this process knows: the window's total over all
processes as of the last flush, plus its own hits since. Once a second (sooner when a
hundred buckets wait), the request that finds a flush due starts one in the background, which adds every
pending count in one statement and learns the new totals, so several processes still share
one limit, approximately: each may let through up to a second of the others' requests past
it. Within one process the count is exact. The request itself does not wait for the flush:
with a few hundred tokens in use it is an upsert of a few hundred rows, and the request that
waited for it was among the slowest in a hundred (W6).

If a flush fails, the counts stay pending and go with the next one.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from server.api import queries
from server.web.ratelimit import Limit, Usage
from server.web.state import DB

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
# ... or sooner, once this many buckets wait (but not more often than every FLUSH_GAP): a
# thousand tokens in use made a thousand-row upsert each second, 10-50 ms of PostgreSQL on
# one core at once, and the requests whose queries fell in that moment were the slowest
# (W6's tail); a hundred rows at a time spread the same work thin.
FLUSH_ROWS = 100
FLUSH_GAP = 0.05
# A flood of distinct addresses must not grow the process without end: past this many
# buckets, the flushed ones are forgotten (the next hit learns the total at the next flush).
MAX_BUCKETS = 50_000


@dataclass(slots=True)
class _Bucket:
    shared: int            # the total over all processes at the last flush, ours included
    pending: int           # this process's hits since
    reset_at: datetime


class RateCounter:
    """(bucket, window start) -> counts; one per application (a web process)."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, datetime], _Bucket] = {}
        # Monotonic on purpose: how stale the shared totals are, not domain time.
        self._flushed_at = time.monotonic()
        self._flushing = False
        self._waiting = 0      # buckets with pending hits (as of the last flush, plus new ones)
        self.background: asyncio.Task[None] | None = None   # the last flush_soon's flush
        self._windows: dict[str, tuple[datetime, datetime]] = {}   # limit name -> [start, end)

    def hit(self, limit: Limit, key: str, now: datetime) -> Usage:
        """Count one request against `limit` for `key` and report the window's state."""
        # The current window of each limit is kept: working it out again and hashing a new
        # datetime for the bucket's key cost more than the rest of the count.
        window = self._windows.get(limit.name)
        if window is None or not window[0] <= now < window[1]:
            start = limit.window_start(now)
            window = self._windows[limit.name] = (start, start + limit.window)
        start = window[0]
        name = f"{limit.name}:{key}"
        bucket = self._buckets.get((name, start))
        if bucket is None:
            bucket = self._buckets[(name, start)] = _Bucket(0, 0, start + limit.window)
        if not bucket.pending:
            self._waiting += 1
        bucket.pending += 1
        return Usage(limit=limit.max_hits, hits=bucket.shared + bucket.pending,
                     reset_at=bucket.reset_at)

    def due(self) -> bool:
        if self._flushing:
            return False
        elapsed = time.monotonic() - self._flushed_at
        return elapsed >= FLUSH_SECONDS or (self._waiting >= FLUSH_ROWS and elapsed >= FLUSH_GAP)

    def flush_soon(self, app: web.Application, now: datetime) -> None:
        """Start a flush without waiting for it (a failed one leaves the counts pending)."""
        self._flushed_at = time.monotonic()   # not due again meanwhile
        self.background = asyncio.get_running_loop().create_task(self._flush_logged(app, now))

    async def _flush_logged(self, app: web.Application, now: datetime) -> None:
        try:
            await self.flush(app, now)
        except Exception:
            log.exception("rate limit flush failed")

    async def flush(self, app: web.Application, now: datetime) -> None:
        """Add the pending counts to PostgreSQL and learn every bucket's total; forget
        windows that are over."""
        if self._flushing:
            return
        self._flushing = True
        self._flushed_at = time.monotonic()
        try:
            sent = sorted((k, b.pending) for k, b in self._buckets.items() if b.pending)
            if sent:
                # Autocommit, one statement: nothing for the pool's reset query to undo.
                async with app[DB].acquire_plain() as conn:
                    totals = await queries.add_rate_limit_hits(
                        conn, buckets=[k[0] for k, _ in sent],
                        window_starts=[k[1] for k, _ in sent], hits=[n for _, n in sent])
                for key, n in sent:   # hits counted during the await stay pending
                    self._buckets[key].pending -= n
                for name, start, total in totals:
                    found = self._buckets.get((name, start))
                    if found is not None:
                        found.shared = total
            self._forget(now)
        finally:
            self._flushing = False

    def _forget(self, now: datetime) -> None:
        """Drop the windows that are over, and count the buckets still waiting (hits
        counted while the flush was under way) in the same pass."""
        over: list[tuple[str, datetime]] = []
        self._waiting = 0
        for key, bucket in self._buckets.items():
            if bucket.pending:
                self._waiting += 1
            elif bucket.reset_at <= now:
                over.append(key)
        for key in over:
            del self._buckets[key]
        if len(self._buckets) > MAX_BUCKETS:
            for key in [k for k, b in self._buckets.items() if not b.pending]:
                del self._buckets[key]


# One counter per application object, made on first use.
_COUNTERS: weakref.WeakKeyDictionary[web.Application, RateCounter] = weakref.WeakKeyDictionary()


def rate_counter(app: web.Application) -> RateCounter:
    counter = _COUNTERS.get(app)
    if counter is None:
        counter = _COUNTERS[app] = RateCounter()
    return counter


async def rate_counter_flushes(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: a flush still running when the app stops is waited for, so it never
    outlives the pool it uses."""
    yield
    counter = _COUNTERS.get(app)
    if counter is not None and counter.background is not None:
        await asyncio.gather(counter.background, return_exceptions=True)
