"""The durable job queue: a PostgreSQL table claimed with FOR UPDATE SKIP LOCKED.

`enqueue` is a plain INSERT on the caller's connection, so a job exists exactly when the
change that caused it was committed.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from server.db import Conn, Database
from server.jobs import queries

log = logging.getLogger(__name__)

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
                        now: datetime, max_attempts: int = 10,
                        if_followed_elsewhere: Sequence[str] = (),
                        account_id: int | None = None) -> None:
    """One job of each kind with the same payload (an event's subscribers), inserted and
    announced in one statement: a post's three jobs cost one round trip, not six. The kinds
    also in `if_followed_elsewhere` are queued only when `account_id` has a follower on
    another server, decided by that same statement."""
    if kinds:
        await queries.insert_jobs_of_kinds(conn, kinds=list(kinds), payload=payload, run_at=now,
                                           max_attempts=max_attempts, created_at=now,
                                           channel=NOTIFY_CHANNEL,
                                           if_followed_elsewhere=list(if_followed_elsewhere),
                                           account_id=account_id)


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


class WakeUps:
    """NOTIFYs of a busy stream of jobs of one kind from this process, coalesced.

    In PostgreSQL 16 (the one embedded here) a committing transaction that sent a NOTIFY
    holds one lock for the whole database until its commit record is flushed, so such
    commits cannot share a WAL flush, and each one signals every listening backend. A stream of inbox POSTs that each
    notify is therefore bound by one fsync per POST. Here the first job of a quiet spell
    wakes the workers in its own statement (`leading`); jobs committed within `interval`
    of that wake-up send nothing themselves and are announced by one NOTIFY sent after they
    committed (`committed`), at most `interval` later. Every job is announced after its
    commit, so no worker waits for a wake-up that never comes; a process that dies before
    the trailing one leaves the job to the worker's poll.

    Time here is the event loop's monotonic clock: this paces traffic, it is not domain time.
    """

    def __init__(self, db: Database, *, interval: float = 0.02) -> None:
        self.db = db
        self.interval = interval
        self._last: dict[str, float] = {}
        self._trailing: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def leading(self, kind: str) -> bool:
        """Whether the write about to be sent should carry its own NOTIFY."""
        now = asyncio.get_running_loop().time()
        if now - self._last.get(kind, float("-inf")) >= self.interval:
            self._last[kind] = now
            return True
        return False

    def committed(self, kind: str, *, notified: bool) -> None:
        """After a write of jobs of `kind` committed; `notified`: it carried its NOTIFY."""
        if notified or kind in self._trailing:
            return  # a trailing NOTIFY not yet sent will go out after this commit
        loop = asyncio.get_running_loop()
        delay = max(self._last.get(kind, 0.0) + self.interval - loop.time(), 0.0)
        self._trailing[kind] = loop.call_later(delay, self._send, kind)

    def _send(self, kind: str) -> None:
        # Forgotten before sending: a commit from now on schedules a NOTIFY of its own.
        del self._trailing[kind]
        self._last[kind] = asyncio.get_running_loop().time()
        task = asyncio.get_running_loop().create_task(self._notify(kind))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _notify(self, kind: str) -> None:
        try:
            async with self.db.acquire_plain() as conn:
                await queries.notify_workers(conn, channel=NOTIFY_CHANNEL, kind=kind)
        except Exception as exc:  # the workers' poll finds the jobs all the same
            log.warning("job wake-up for %s not sent: %s", kind, exc)

    async def flush(self) -> None:
        """Send the NOTIFYs still waiting now (shutdown, tests)."""
        for kind, handle in list(self._trailing.items()):
            handle.cancel()
            self._send(kind)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


_WAKEUPS: weakref.WeakKeyDictionary[Database, WakeUps] = weakref.WeakKeyDictionary()


def wakeups_for(db: Database) -> WakeUps:
    """The process's coalesced wake-ups for this database, shared by every writer of jobs
    that uses them (the inbox's group commit, the inbox's deferral of unknown keys)."""
    found = _WAKEUPS.get(db)
    if found is None:
        found = _WAKEUPS[db] = WakeUps(db)
    return found
