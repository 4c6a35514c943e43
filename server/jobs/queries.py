"""SQL for the job queue; the only place that knows its parameter order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.jobs")


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    state: str
    ordering_key: str | None
    run_at: datetime
    attempts: int
    max_attempts: int
    locked_until: datetime | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


async def insert_job(conn: Conn, *, kind: str, payload: dict[str, Any], run_at: datetime,
                     max_attempts: int, ordering_key: str | None, created_at: datetime) -> int:
    return int(await conn.fetchval(Q["insert_job"], kind, payload, run_at, max_attempts,
                                   ordering_key, created_at))


async def insert_jobs(conn: Conn, *, kind: str, payloads: list[dict[str, Any]],
                      ordering_keys: list[str | None], run_at: datetime, max_attempts: int,
                      created_at: datetime) -> None:
    await conn.execute(Q["insert_jobs"], kind, payloads, ordering_keys, run_at, max_attempts,
                       created_at)


async def claim_jobs(conn: Conn, *, now: datetime, limit: int, locked_until: datetime,
                     only: list[str] | None = None, skip: list[str] | None = None) -> list[ClaimedJob]:
    """Claim without finishing anything first."""
    return await finish_and_claim_jobs(conn, finished_ids=[], now=now, limit=limit,
                                       locked_until=locked_until, only=only, skip=skip)


async def finish_and_claim_jobs(conn: Conn, *, finished_ids: list[int], now: datetime, limit: int,
                                locked_until: datetime, only: list[str] | None = None,
                                skip: list[str] | None = None) -> list[ClaimedJob]:
    rows = await conn.fetch(Q["finish_and_claim_jobs"], finished_ids, now, limit, locked_until,
                            only, skip or [])
    return [ClaimedJob(**dict(r)) for r in sorted(rows, key=lambda r: r["id"])]


async def delete_jobs(conn: Conn, *, job_ids: list[int]) -> None:
    if job_ids:
        await conn.execute(Q["delete_jobs"], job_ids)


async def requeue_stalled_jobs(conn: Conn, *, now: datetime) -> int:
    return len(await conn.fetch(Q["requeue_stalled_jobs"], now))


async def delete_job(conn: Conn, *, job_id: int) -> None:
    await conn.execute(Q["delete_job"], job_id)


async def reschedule_job(conn: Conn, *, job_id: int, run_at: datetime, last_error: str) -> None:
    await conn.execute(Q["reschedule_job"], job_id, run_at, last_error)


async def fail_job(conn: Conn, *, job_id: int, last_error: str, finished_at: datetime) -> None:
    await conn.execute(Q["fail_job"], job_id, last_error, finished_at)


async def extend_job_lock(conn: Conn, *, job_id: int, locked_until: datetime) -> None:
    await conn.execute(Q["extend_job_lock"], job_id, locked_until)


async def get_job(conn: Conn, *, job_id: int) -> Job | None:
    row = await conn.fetchrow(Q["get_job"], job_id)
    return Job(**dict(row)) if row else None


async def list_jobs(conn: Conn, *, kind: str | None = None) -> list[Job]:
    return [Job(**dict(r)) for r in await conn.fetch(Q["list_jobs"], kind)]


async def count_jobs_by_state(conn: Conn) -> dict[str, int]:
    return {r["state"]: r["n"] for r in await conn.fetch(Q["count_jobs_by_state"])}


async def next_run_at(conn: Conn) -> datetime | None:
    return await conn.fetchval(Q["next_run_at"])


async def insert_jobs_of_kinds(conn: Conn, *, kinds: list[str], payload: dict[str, Any],
                               run_at: datetime, max_attempts: int, created_at: datetime,
                               channel: str, if_followed_elsewhere: list[str] | None = None,
                               account_id: int | None = None) -> None:
    await conn.fetchval(Q["insert_jobs_of_kinds"], kinds, payload, run_at, max_attempts,
                        created_at, channel, if_followed_elsewhere or [], account_id)


async def notify_workers(conn: Conn, *, channel: str, kind: str) -> None:
    await conn.execute(Q["notify_workers"], channel, kind)


async def purge_failed_jobs(conn: Conn, *, cutoff: datetime) -> None:
    await conn.execute(Q["purge_failed_jobs"], cutoff)


async def queue_due_periodic_jobs(conn: Conn, *, kinds: list[str], periods: list[timedelta],
                                  now: datetime, channel: str) -> list[str]:
    rows = await conn.fetch(Q["queue_due_periodic_jobs"], kinds, periods, now, channel)
    return [row["kind"] for row in rows]
