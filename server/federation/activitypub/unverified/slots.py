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
unanswered requests piling up AND the event loop late), the lane runs at most FLOOR_SLOTS
jobs at a time instead of SLOTS, so known senders keep their throughput; the floor keeps
verification moving however long the overload lasts. The held POSTs wait in
`inbox_unverified`, whose bounds (service.MAX_PER_HOST, MAX_TOTAL) answer 503 with
Retry-After once full, which a sending server retries. So under overload new actors'
activities arrive late (the lag from acceptance to verification grows), never silently
lost. Once the web side is calm the lane has all its slots again at once. A process
without a web side (`commonhold worker`) sees no requests and never yields.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import asyncpg

from server.federation.activitypub import keyring
from server.federation.activitypub.unverified import queries as q
from server.federation.activitypub.unverified.load import WEB, WebLoad
from server.federation.activitypub.unverified.service import JOB_KIND
from server.jobs.context import JobContext
from server.jobs.registry import JobHandler
from server.jobs.queries import ClaimedJob
from server.jobs.worker import LOCK_TTL, Worker

SLOTS = keyring.MAX_CONCURRENT_FETCHES
FLOOR_SLOTS = 2


class VerifyWorker(Worker):
    """Claims only verify jobs; as many at once as the web side's load allows."""

    def __init__(self, ctx: JobContext, handlers: dict[str, JobHandler], *,
                 load: WebLoad = WEB, slots: int = SLOTS) -> None:
        self.load = load
        self._slots = slots
        super().__init__(ctx, handlers, concurrency=slots, only=[JOB_KIND])

    @property  # type: ignore[override]
    def concurrency(self) -> int:
        """Read by the worker loop before every claim (free slots = this - running)."""
        return min(FLOOR_SLOTS, self._slots) if self.load.saturated() else self._slots

    @concurrency.setter
    def concurrency(self, value: int) -> None:
        self._slots = max(value, 1)

    async def run_forever(self, stop: asyncio.Event) -> None:
        probe = asyncio.create_task(self.load.probe(stop, self._calm), name="verify-load-probe")
        try:
            await super().run_forever(stop)
        finally:
            probe.cancel()

    async def _claim_due(self, conn: asyncpg.Connection, *, finished: list[int], now: datetime,
                         limit: int) -> list[ClaimedJob]:
        # Through jobs_ready_verify_idx: under load thousands of processing jobs queue ahead
        # of the verify jobs in the general ready index, and each claim stepped over them.
        return await q.finish_and_claim_verify_jobs(conn, finished_ids=finished, now=now,
                                                    limit=limit, locked_until=now + LOCK_TTL)

    def _calm(self) -> None:
        if self._wake is not None:
            self._wake.set()


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
