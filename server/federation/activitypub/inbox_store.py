"""The inbox's group commit: POSTs waiting to be stored at the same moment are written by
one statement (store_inbox_items) in one commit.

Each POST's commit costs PostgreSQL a WAL flush and, with the NOTIFY that wakes the job
workers, a database-wide lock held until that flush, so a stream of single-row commits is
bound by the disk, not by the work. Here a process has at most one such write in flight:
POSTs that arrive while it runs queue up and go together in the next one (at most
MAX_BATCH rows), and the first one starts at once, so nothing waits for a batch to fill.
Every row is decided on its own by the statement, as if it were written alone, and
each POST is answered only when the write holding its row has committed.

A row PostgreSQL refuses (DataError: a lone UTF-16 surrogate or a NUL in the JSON) fails
the whole statement; the batch is then written again row by row, so only that POST is
refused. Any other error fails every POST of the batch, as it would have failed each alone.
The queueing, batching and retrying are server/db/coalesce.py's; this module says what
one write is.
"""

from __future__ import annotations

import weakref

import asyncpg

from server import jobs
from server.db import Database
from server.db.coalesce import Coalescer
from server.federation.activitypub import queries as ap_q

# Large enough for everything that waits at saturation (W3 saw 145-178 rows waiting behind
# a write of 64): with one write in flight, the rows a write can take bound the known
# senders' throughput by the database's latency, so anything else that slows PostgreSQL
# down (a new actor's verification, another process) took throughput from them even while
# this process had CPU to spare. Taking all that waits, a slower write takes more rows.
MAX_BATCH = 256


class InboxWriter:
    """One per database pool (so per process): the queue of rows waiting to be written."""

    def __init__(self, db: Database, job_kind: str) -> None:
        self.db = db
        self.job_kind = job_kind
        self.wakeups = jobs.wakeups_for(db)
        # DataError: the row's value cannot be stored; the others of its batch still are.
        self._rows: Coalescer[ap_q.ItemToStore, ap_q.StoreOutcome] = Coalescer(
            self._write, max_batch=MAX_BATCH, refused=(asyncpg.DataError,),
            name="inbox writer")

    async def store(self, item: ap_q.ItemToStore) -> ap_q.StoreOutcome:
        """The row's outcome once committed; raises asyncpg.DataError when PostgreSQL
        refuses this row."""
        return await self._rows(item)

    @property
    def waiting(self) -> int:
        """Rows waiting for a write (not the one in flight): more than a batch means the
        database, not this process's CPU, is what known senders wait for (unverified/load)."""
        return self._rows.waiting

    async def _write(self, items: list[ap_q.ItemToStore]) -> list[ap_q.StoreOutcome]:
        notify = self.wakeups.leading(self.job_kind)
        async with self.db.acquire_plain() as conn:
            outcomes, woken = await ap_q.store_inbox_items(
                conn, items=items, job_kind=self.job_kind, channel=jobs.NOTIFY_CHANNEL,
                notify=notify)
        if any(o.stored for o in outcomes):
            self.wakeups.committed(self.job_kind, notified=woken)
        return outcomes


_WRITERS: weakref.WeakKeyDictionary[Database, InboxWriter] = weakref.WeakKeyDictionary()


def writer_for(db: Database, job_kind: str) -> InboxWriter:
    writer = _WRITERS.get(db)
    if writer is None:
        writer = _WRITERS[db] = InboxWriter(db, job_kind)
    return writer
