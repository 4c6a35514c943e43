"""The verify jobs' own worker slots.

A verify job waits on someone else's server (its key fetch: up to keyring's time limit, 200
ms for a typical slow one), holding a worker slot meanwhile. Run by the general workers, a
burst of new actors on slow servers would take their slots from every other kind of job
(processing the inbox, timelines, notifications) and delay them all: head-of-line blocking.
So the process's general workers skip the kind and one worker of its own runs it, with as
many slots as keyring lets fetches run at once (more would only wait for keyring's gate).
"""

from __future__ import annotations

from server.federation.activitypub import keyring
from server.federation.activitypub.unverified.service import JOB_KIND
from server.jobs.context import JobContext
from server.jobs.registry import JobHandler
from server.jobs.worker import Worker

SLOTS = keyring.MAX_CONCURRENT_FETCHES


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
    return [*workers, Worker(ctx, handlers, concurrency=SLOTS, only=[JOB_KIND])]
