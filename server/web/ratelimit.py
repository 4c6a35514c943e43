"""Fixed-window rate limits kept in PostgreSQL, so every web process shares them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from server.db import Conn
from server.errors import RateLimitedError
from server.jobs.context import JobContext
from server.web import queries


@dataclass(frozen=True)
class Limit:
    name: str
    max_hits: int
    window: timedelta
    message: str

    def window_start(self, now: datetime) -> datetime:
        seconds = int(self.window.total_seconds())
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % seconds, UTC)

    def retry_after(self, now: datetime) -> int:
        return max(1, int((self.window_start(now) + self.window - now).total_seconds()))


async def check(conn: Conn, limit: Limit, key: str, *, now: datetime) -> None:
    """Refuse when the window is already full, without counting this attempt."""
    hits = await queries.get_rate_limit_hits(conn, bucket=f"{limit.name}:{key}",
                                             window_start=limit.window_start(now))
    if hits >= limit.max_hits:
        raise RateLimitedError(limit.message, retry_after=limit.retry_after(now))


async def hit(conn: Conn, limit: Limit, key: str, *, now: datetime) -> int:
    return await queries.hit_rate_limit(conn, bucket=f"{limit.name}:{key}",
                                        window_start=limit.window_start(now))


async def clear(conn: Conn, limit: Limit, key: str, *, now: datetime) -> None:
    await queries.clear_rate_limit(conn, bucket=f"{limit.name}:{key}",
                                   window_start=limit.window_start(now))


@dataclass(frozen=True)
class Usage:
    """Where a key stands in its current window, for the X-RateLimit-* headers."""

    limit: int
    hits: int
    reset_at: datetime

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.hits)

    @property
    def exceeded(self) -> bool:
        return self.hits > self.limit

    def retry_after(self, now: datetime) -> int:
        return max(1, int((self.reset_at - now).total_seconds()))


async def consume(conn: Conn, limit: Limit, key: str, *, now: datetime) -> Usage:
    """Count this request and report the window's state; the caller refuses when exceeded."""
    hits = await hit(conn, limit, key, now=now)
    return Usage(limit=limit.max_hits, hits=hits, reset_at=limit.window_start(now) + limit.window)


# Rows of windows that are over are kept a while, then purged by the periodic
# `ratelimits.purge` job; this is longer than the longest window (api_statuses, 3 h).
KEPT_FOR = timedelta(hours=6)


async def purge_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        await queries.purge_rate_limits(conn, cutoff=ctx.clock.now() - KEPT_FOR)
