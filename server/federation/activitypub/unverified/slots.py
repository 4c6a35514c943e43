"""The verify jobs' own worker: slots of their own, and a lane that yields to the web side.

Slots of their own: a verify job waits on someone else's server (its key fetch: up to
keyring's time limit, 200 ms for a typical slow one), holding a worker slot meanwhile. Run
by the general workers, a burst of new actors on slow servers would take their slots from
every other kind of job (processing the inbox, timelines, notifications) and delay them
all: head-of-line blocking. So the process's general workers skip the kind and one worker
of its own runs it, with as many slots as keyring lets fetches run at once (more would only
wait for keyring's gate).

Yielding: a new actor costs this process several times the CPU of a known actor's POST
(TLS handshake, actor document, its storage). When the web side is saturated (load.py:
unanswered requests piling up AND the process short of CPU), the lane starts at most
FLOOR_RATE jobs a second, at most FLOOR_SLOTS at a time, instead of SLOTS at a time, so
known senders keep their throughput; the floor keeps verification moving however long the
overload lasts. The floor is a pace, not only a number of slots: with key servers that
answer at once two slots would run jobs back to back, a whole core's worth (W3 measured
its instant-keys run losing more than its 200 ms one); at FLOOR_RATE the lane takes about
FLOOR_RATE x 3 ms, ~3 % of the core. The held POSTs wait in
`inbox_unverified`, whose bounds (service.MAX_PER_HOST, MAX_TOTAL) answer 503 with
Retry-After once full, which a sending server retries. So under overload new actors'
activities arrive late (the lag from acceptance to verification grows), never silently
lost. Once the web side is calm the lane has all its slots again at once.

A process without a web side (`commonhold worker`) sees no requests of its own: it yields
while a web process says in PostgreSQL that it is saturated (load_signal.py), and so does
every lane, since another process's overload is what a lane on the same machine or database
takes from.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

import asyncpg

from server.federation.activitypub import keyring
from server.federation.activitypub.unverified import queries as q
from server.federation.activitypub.unverified.load import WEB, WebLoad
from server.federation.activitypub.unverified.load_signal import READ_SECONDS
from server.federation.activitypub.unverified.service import JOB_KIND
from server.jobs.context import JobContext
from server.jobs.registry import JobHandler
from server.jobs.queries import ClaimedJob
from server.jobs.worker import LOCK_TTL, Worker

SLOTS = keyring.MAX_CONCURRENT_FETCHES
FLOOR_SLOTS = 2
FLOOR_RATE = 10.0   # jobs started per second at most while the web side is saturated


class VerifyWorker(Worker):
    """Claims only verify jobs; as many at once as the web side's load allows."""

    def __init__(self, ctx: JobContext, handlers: dict[str, JobHandler], *,
                 load: WebLoad = WEB, slots: int = SLOTS) -> None:
        self.load = load
        self._slots = slots
        self._active = 0                 # jobs running (the worker loop's `running`)
        self._last_start = -1e9          # time.monotonic() of the last job started
        self._last_wake = -1e9           # ... of the last wake-up _paced gave
        self.others = False              # a web process says it is saturated (load_signal)
        self._others_read = -1e9         # time.monotonic() of that reading
        super().__init__(ctx, handlers, concurrency=slots, only=[JOB_KIND])

    @property  # type: ignore[override]
    def concurrency(self) -> int:
        """Read by the worker loop before every claim (free slots = this - running): while
        the web side is saturated, one slot more than running only when the pace allows."""
        if not (self.others or self.load.saturated()):
            return self._slots
        if self._active < min(FLOOR_SLOTS, self._slots) and self._pace_allows():
            return self._active + 1
        return self._active   # no slot free: the loop claims nothing (0 when none runs)

    def _pace_allows(self) -> bool:
        return time.monotonic() - self._last_start >= 1.0 / FLOOR_RATE

    async def _run_unit(self, unit: list[ClaimedJob]) -> None:
        self._active += len(unit)
        self._last_start = time.monotonic()
        try:
            await super()._run_unit(unit)
        finally:
            self._active -= len(unit)

    @concurrency.setter
    def concurrency(self, value: int) -> None:
        self._slots = max(value, 1)

    async def run_forever(self, stop: asyncio.Event) -> None:
        stop_listening = self.load.listen(self._calm, self._paced)
        others = asyncio.create_task(self._follow_others(stop), name="verify-web-load")
        try:
            await super().run_forever(stop)
        finally:
            others.cancel()
            stop_listening()

    async def _read_others(self, conn: asyncpg.Connection) -> None:
        self._others_read = time.monotonic()
        self.others = await q.any_web_saturated(conn)

    async def _follow_others(self, stop: asyncio.Event) -> None:
        # While a web process says it is saturated: read again at the floor's pace, and give
        # the loop its paced wake-ups (or its calm one), as the local probe does for ours.
        while not stop.is_set():
            await asyncio.sleep(READ_SECONDS)
            if not self.others:
                continue  # read again by the next claim (_claim_due)
            try:
                async with self.ctx.db.acquire_plain() as conn:
                    await self._read_others(conn)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                continue
            if self.others:
                self._paced()
            else:
                self._calm()

    async def _claim_due(self, conn: asyncpg.Connection, *, finished: list[int], now: datetime,
                         limit: int) -> list[ClaimedJob]:
        if time.monotonic() - self._others_read >= READ_SECONDS:
            # the loop sized this claim on an older reading: size it again on this one
            await self._read_others(conn)
            limit = min(limit, max(self.concurrency - self._active, 0))
        # Through jobs_ready_verify_idx: under load thousands of processing jobs queue ahead
        # of the verify jobs in the general ready index, and each claim stepped over them.
        return await q.finish_and_claim_verify_jobs(conn, finished_ids=finished, now=now,
                                                    limit=limit, locked_until=now + LOCK_TTL)

    def _calm(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _paced(self) -> None:
        # Saturated: the loop waits for a wake-up; give it one when the pace allows another
        # job, at most FLOOR_RATE a second (each wake-up costs a claim, found or not).
        now = time.monotonic()
        if self._active < min(FLOOR_SLOTS, self._slots) and self._pace_allows() \
                and now - self._last_wake >= 1.0 / FLOOR_RATE:
            self._last_wake = now
            self._calm()


def with_own_slots(ctx: JobContext, handlers: dict[str, JobHandler],
                   workers: list[Worker]) -> list[Worker]:
    """`workers` (a process's, as started) no longer claiming verify jobs, and one more
    worker that claims only them."""
    if not workers or JOB_KIND not in handlers:
        return workers
    for worker in workers:
        if worker.only is None:
            worker.skip = sorted({*worker.skip, JOB_KIND})
        elif JOB_KIND in worker.only:
            worker.only = [kind for kind in worker.only if kind != JOB_KIND]
    return [*workers, VerifyWorker(ctx, handlers)]
