"""Every job kind and its handler, in one explicit table.

Kinds are `<area>.<verb>`. A handler takes the JobContext and the job's payload and opens
its own short transactions; it must be idempotent, because a job may run again after a
worker dies mid-way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from server.jobs.context import JobContext

JobHandler = Callable[[JobContext, dict[str, Any]], Awaitable[None]]


def _builtin_handlers() -> dict[str, JobHandler]:
    from server.federation.activitypub import process, remote_actors
    from server.jobs import maintenance

    return {
        "jobs.purge_failed": maintenance.purge_failed,
        "federation.process_inbox_item": process.process_inbox_item,
        "federation.fetch_actor_counts": remote_actors.fetch_actor_counts,
    }


def job_handlers(extra: Mapping[str, JobHandler] | None = None) -> dict[str, JobHandler]:
    handlers = _builtin_handlers()
    handlers.update(extra or {})
    return handlers
