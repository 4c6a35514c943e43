"""Housekeeping jobs for the queue itself."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.jobs import queries
from server.jobs.context import JobContext

FAILED_KEPT_FOR = timedelta(days=30)


async def purge_failed(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Failed jobs stay visible to admins for a month, then go."""
    cutoff = ctx.clock.now() - FAILED_KEPT_FOR
    async with ctx.db.transaction() as conn:
        await queries.purge_failed_jobs(conn, cutoff=cutoff)
