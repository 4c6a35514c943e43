"""The durable job queue: a PostgreSQL table claimed with FOR UPDATE SKIP LOCKED.

`enqueue` is a plain INSERT on the caller's connection, so a job exists exactly when the
change that caused it was committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from server.db import Conn
from server.jobs import queries

NOTIFY_CHANNEL = "commonhold_jobs"


class RetryLaterError(Exception):
    """A passing failure (remote 5xx, timeout): try again with backoff."""

    def __init__(self, message: str, *, delay_seconds: float | None = None) -> None:
        super().__init__(message)
        self.delay_seconds = delay_seconds


class PermanentJobError(Exception):
    """Trying again cannot help (remote 4xx, malformed payload): fail the job now."""


async def enqueue(conn: Conn, kind: str, payload: dict[str, Any], *, now: datetime,
                  run_at: datetime | None = None, max_attempts: int = 10,
                  ordering_key: str | None = None) -> int:
    job_id = await queries.insert_job(
        conn, kind=kind, payload=payload, run_at=run_at or now, max_attempts=max_attempts,
        ordering_key=ordering_key, created_at=now)
    # Delivered on commit only, which is exactly when the job becomes visible.
    await queries.notify_workers(conn, channel=NOTIFY_CHANNEL, kind=kind)
    return job_id


async def enqueue_kinds(conn: Conn, kinds: Sequence[str], payload: dict[str, Any], *,
                        now: datetime, max_attempts: int = 10) -> None:
    """One job of each kind with the same payload (an event's subscribers), inserted and
    announced in one statement: a post's three jobs cost one round trip, not six."""
    if kinds:
        await queries.insert_jobs_of_kinds(conn, kinds=list(kinds), payload=payload, run_at=now,
                                           max_attempts=max_attempts, created_at=now,
                                           channel=NOTIFY_CHANNEL)


async def enqueue_many(conn: Conn, kind: str, payloads: Sequence[dict[str, Any]], *, now: datetime,
                       ordering_keys: Sequence[str | None] | None = None,
                       max_attempts: int = 10) -> int:
    """Many jobs of one kind in one INSERT and one NOTIFY, ids in the order given: a post to
    followers on 1,800 servers costs two round trips in the poster's transaction, not 3,600."""
    if not payloads:
        return 0
    keys = list(ordering_keys) if ordering_keys is not None else [None] * len(payloads)
    if len(keys) != len(payloads):
        raise ValueError("one ordering key (or None) per payload")
    await queries.insert_jobs(conn, kind=kind, payloads=list(payloads), ordering_keys=keys,
                              run_at=now, max_attempts=max_attempts, created_at=now)
    await queries.notify_workers(conn, channel=NOTIFY_CHANNEL, kind=kind)
    return len(payloads)
