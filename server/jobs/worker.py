"""Job workers: claim due jobs, run their handlers, retry with backoff, fail with the reason.

Correctness never depends on NOTIFY: a worker also wakes on a short poll, and a job whose
worker died is requeued once its lock expires.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from server.jobs import PermanentJobError, RetryLaterError, listen, queries
from server.jobs.batch import Batched
from server.jobs.context import JobContext
from server.jobs.registry import JobHandler

log = logging.getLogger(__name__)

LOCK_TTL = timedelta(minutes=5)
POLL_SECONDS = 1.0
REQUEUE_EVERY = timedelta(seconds=30)
BACKOFF_BASE = 15.0          # seconds before the first retry
BACKOFF_CAP = 6 * 3600.0     # never wait more than six hours between tries
SHORT_RETRY = timedelta(seconds=60)  # retries due sooner than this wake the worker on time
# While jobs trickle in (the last claim found some, fewer than it asked for), a claim waits
# until this long after the previous one, so that it brings the jobs queued meanwhile
# together: at 500 arrivals/s, batches of about five instead of one or two, and the claim,
# transaction and statements of a batch paid once for them. Bounded, and never paid by a
# job that arrives when the worker was idle or by a backlog (full claims go on at once).
GATHER_SECONDS = 0.01


def backoff_delay(attempts: int) -> timedelta:
    """Exponential: 15 s, 30 s, 1 min, 2 min, ... capped at 6 h."""
    return timedelta(seconds=min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP))


class Worker:
    def __init__(self, ctx: JobContext, handlers: dict[str, JobHandler], *, batch: int = 20,
                 concurrency: int = 4, only: Collection[str] | None = None,
                 skip: Collection[str] = (), gather: float = GATHER_SECONDS) -> None:
        self.ctx = ctx
        self.handlers = handlers
        self.batch = batch
        self.concurrency = max(concurrency, 1)
        self.gather = gather
        # Which kinds this worker claims: all (None), or a subset served by a worker of its own.
        self.only = sorted(only) if only is not None else None
        self.skip = sorted(skip)
        self._last_requeue: datetime | None = None
        # Jobs that ran successfully and still have a row: deleted with the next claim, so a
        # busy worker pays one round trip per round, not one per job. A crash before that
        # runs them again, which at-least-once handlers allow.
        self._finished: list[int] = []
        self._wake: asyncio.Event | None = None
        self._heard: Callable[..., None] | None = None  # the LISTEN callback, to remove it
        # Jobs of a batched kind share slots (see _weight); claims are sized for the most
        # sharing kind this worker serves, so that a freed slot brings a batch, not one job.
        self._per_slot = max((h.per_slot for kind, h in handlers.items()
                              if isinstance(h, Batched) and self._serves(kind)), default=1)

    def _serves(self, kind: str) -> bool:
        return (self.only is None or kind in self.only) and kind not in self.skip

    async def _claim(self, limit: int) -> list[queries.ClaimedJob]:
        now = self.ctx.clock.now()
        finished, self._finished = self._finished, []
        # Each statement is atomic on its own; no BEGIN/COMMIT around them, so claiming is one
        # round trip to the database (the requeue runs only every REQUEUE_EVERY), and the
        # connection goes back without the pool's reset query (a second round trip).
        try:
            async with self.ctx.db.acquire_plain() as conn:
                if self._last_requeue is None or now - self._last_requeue >= REQUEUE_EVERY:
                    await queries.requeue_stalled_jobs(conn, now=now)
                    self._last_requeue = now
                return await self._claim_due(conn, finished=finished, now=now, limit=limit)
        except BaseException:
            self._finished[:0] = finished
            raise

    async def _claim_due(self, conn: asyncpg.Connection, *, finished: list[int], now: datetime,
                         limit: int) -> list[queries.ClaimedJob]:
        """The claim statement; a worker of one kind may claim through an index of its own."""
        return await queries.finish_and_claim_jobs(
            conn, finished_ids=finished, now=now, limit=limit, locked_until=now + LOCK_TTL,
            only=self.only, skip=self.skip)

    async def _flush_finished(self) -> None:
        finished, self._finished = self._finished, []
        try:
            async with self.ctx.db.acquire_plain() as conn:
                await queries.delete_jobs(conn, job_ids=finished)
        except BaseException:
            self._finished[:0] = finished
            raise

    async def run_once(self) -> int:
        """Claim what is due now and run it; return how many jobs ran."""
        self._last_requeue = None  # tests move the clock: always look for stalled jobs
        claimed = await self._claim(self.batch)
        if not claimed:
            return 0
        gate = asyncio.Semaphore(self.concurrency)

        async def run(unit: list[queries.ClaimedJob]) -> None:
            async with gate:
                await self._run_unit(unit)

        await asyncio.gather(*(run(unit) for unit in self._units(claimed)))
        await self._flush_finished()
        return len(claimed)

    async def run_until_idle(self, *, max_rounds: int = 200) -> None:
        """Drain every job that is due now (tests); raise if the queue never settles."""
        for _ in range(max_rounds):
            if await self.run_once() == 0:
                return
        raise AssertionError("job queue did not become idle")

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Keep up to `concurrency` jobs in flight, claiming more as slots free up, so slow
        remote servers occupy a slot each instead of stalling a whole batch."""
        wake = self._wake = asyncio.Event()
        on_notify = lambda *_: wake.set()  # noqa: E731
        listener = await self._listen(on_notify)
        # Slots count jobs (a batch of n takes n / per_slot of them, see _weight). A claim
        # sized for batches may bring single jobs instead, which can then overfill the slots
        # by a few until they finish; with no batched kind served, claims fit the free slots.
        running: dict[asyncio.Task[None], int] = {}
        loop = asyncio.get_running_loop()
        trickling, last_claim = False, 0.0
        # Whatever the loop waits for sets `wake`: a NOTIFY, a unit ending (a slot free, or
        # finished jobs to delete), the stop. Waiting is then one Event, not two tasks made
        # and cancelled on every round (several rounds per job when jobs trickle in).
        woken = lambda _: wake.set()  # noqa: E731
        stop_watch = asyncio.ensure_future(stop.wait())
        stop_watch.add_done_callback(woken)
        try:
            while not stop.is_set():
                pause = last_claim + self.gather - loop.time() if trickling else 0.0
                if pause > 0:
                    await asyncio.sleep(pause)  # see GATHER_SECONDS
                wake.clear()
                free = self.concurrency - sum(running.values())
                wanted = min(free * self._per_slot, self.batch) if free > 0 else 0
                claimed: list[queries.ClaimedJob] = []
                if wanted > 0 or self._finished:
                    try:
                        claimed = await self._claim(wanted)
                    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                        log.warning("job worker cannot reach the database: %s", exc)
                    last_claim = loop.time()
                    trickling = 0 < len(claimed) < wanted
                for unit in self._units(claimed):
                    task = asyncio.create_task(self._run_unit(unit))
                    running[task] = self._weight(unit)
                    task.add_done_callback(running.pop)
                    task.add_done_callback(woken)
                if claimed and len(claimed) == wanted \
                        and sum(running.values()) < self.concurrency:
                    continue  # the queue may hold more: claim again at once
                if stop.is_set():
                    break  # its wake-up may have been cleared above
                try:
                    async with asyncio.timeout(POLL_SECONDS):
                        await wake.wait()
                except TimeoutError:
                    pass
            if running:
                await asyncio.gather(*running, return_exceptions=True)
            if self._finished:
                try:
                    await self._flush_finished()
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    log.warning("job worker stops with finished jobs not deleted: %s", exc)
        finally:
            stop_watch.cancel()
            self._wake = None
            if listener is not None and self._heard is not None:
                await listen.leave(listener, self._heard)

    async def _listen(self, on_notify: Callable[..., None]) -> listen.SharedListener | None:
        """Hear the job channel on the connection this process's workers share (listen.py)."""
        def heard(conn: Any, pid: int, channel: str, kind: str) -> None:
            # The payload names the kind queued. A process runs a general worker and a
            # delivery worker: waking the one that does not serve the kind would cost it a
            # claim that finds nothing, for every activity the inbox stores.
            if kind not in self.handlers or self._serves(kind):
                on_notify(conn, pid, channel, kind)
        try:
            shared = await listen.join(self.ctx.db, heard)
            self._heard = heard
            return shared
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("job worker runs without LISTEN (%s); polling only", exc)
            return None

    def _units(self, claimed: list[queries.ClaimedJob]) -> list[list[queries.ClaimedJob]]:
        """What runs as one task: the claimed jobs of a batched kind together, any other job
        alone."""
        batches: dict[str, list[queries.ClaimedJob]] = {}
        units: list[list[queries.ClaimedJob]] = []
        for job in claimed:
            if isinstance(self.handlers.get(job.kind), Batched):
                batches.setdefault(job.kind, []).append(job)
            else:
                units.append([job])
        return list(batches.values()) + units

    def _weight(self, unit: list[queries.ClaimedJob]) -> int:
        """The slots a unit takes: one per job, or for a batch one per `per_slot` of its jobs
        (a batch is one transaction on one connection, not n jobs side by side)."""
        handler = self.handlers.get(unit[0].kind)
        if len(unit) == 1 or not isinstance(handler, Batched):
            return len(unit)
        return -(-len(unit) // handler.per_slot)

    async def _run_unit(self, unit: list[queries.ClaimedJob]) -> None:
        if len(unit) == 1:
            await self._run_one(unit[0])
            return
        handler = self.handlers[unit[0].kind]
        assert isinstance(handler, Batched)
        try:
            left = set(await handler.many(self.ctx, [job.payload for job in unit]))
        except Exception:  # a bug in the batch path: each job still gets its own run
            log.exception("batch of %d %s jobs crashed; running them one by one",
                          len(unit), unit[0].kind)
            left = set(range(len(unit)))
        self._finished.extend(job.id for n, job in enumerate(unit) if n not in left)
        # The rest run in the slots this batch holds, no more of them at once.
        gate = asyncio.Semaphore(self._weight(unit))

        async def run(job: queries.ClaimedJob) -> None:
            async with gate:
                await self._run_one(job)

        await asyncio.gather(*(run(job) for n, job in enumerate(unit) if n in left))

    async def _run_one(self, job: queries.ClaimedJob) -> None:
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise PermanentJobError(f"no handler for job kind {job.kind!r}")
            await handler(self.ctx, job.payload)
        except RetryLaterError as exc:
            await self._retry_or_fail(job, str(exc), exc.delay_seconds)
        except PermanentJobError as exc:
            await self._fail(job, str(exc))
        except Exception:  # a bug: keep the traceback, retry with backoff
            log.exception("job %s (%s) crashed", job.id, job.kind)
            await self._retry_or_fail(job, traceback.format_exc(limit=8), None)
        else:
            # Deleted with the loop's next claim: the unit's end wakes it (run_forever).
            self._finished.append(job.id)

    async def _retry_or_fail(self, job: queries.ClaimedJob, reason: str, delay: float | None) -> None:
        if job.attempts >= job.max_attempts:
            await self._fail(job, f"gave up after {job.attempts} attempts: {reason}")
            return
        wait = timedelta(seconds=delay) if delay is not None else backoff_delay(job.attempts)
        async with self.ctx.db.acquire_plain() as conn:  # one statement: no reset round trip
            await queries.reschedule_job(conn, job_id=job.id, run_at=self.ctx.clock.now() + wait,
                                         last_error=reason)
        if self._wake is not None and wait <= SHORT_RETRY:
            # A short Retry-After is honoured on time rather than at the next poll.
            asyncio.get_running_loop().call_later(wait.total_seconds() + 0.01, self._wake.set)

    async def _fail(self, job: queries.ClaimedJob, reason: str) -> None:
        log.warning("job %s (%s) failed: %s", job.id, job.kind, reason.splitlines()[0] if reason else "")
        async with self.ctx.db.acquire_plain() as conn:
            await queries.fail_job(conn, job_id=job.id, last_error=reason,
                                   finished_at=self.ctx.clock.now())
