"""Housekeeping that no event causes: jobs queued on a schedule shared by every process.

Each process that runs job workers looks once a minute; the `periodic_jobs` table decides
which of them queues a due job (migration 0043), so a deployment of several worker
processes still queues each period's job once, and a stopped deployment catches up with
one run, not one per missed period.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

import asyncpg

from server.db import Conn
from server.jobs import NOTIFY_CHANNEL, queries
from server.jobs.context import JobContext

log = logging.getLogger(__name__)

LOOK_EVERY_SECONDS = 60.0


async def queue_due(conn: Conn, periods: Mapping[str, timedelta], *, now: datetime) -> list[str]:
    """Queue one job of each kind whose time has come; returns those kinds."""
    if not periods:
        return []
    return await queries.queue_due_periodic_jobs(conn, kinds=list(periods),
                                                 periods=list(periods.values()), now=now,
                                                 channel=NOTIFY_CHANNEL)


async def run_forever(ctx: JobContext, periods: Mapping[str, timedelta],
                      stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            async with ctx.db.acquire() as conn:
                await queue_due(conn, periods, now=ctx.clock.now())
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("periodic jobs not queued: %s", exc)
        try:
            await asyncio.wait_for(stop.wait(), timeout=LOOK_EVERY_SECONDS)
        except TimeoutError:
            pass
