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
"""

from __future__ import annotations

import asyncio
import weakref

import asyncpg

from server import jobs
from server.db import Database
from server.federation.activitypub import queries as ap_q

MAX_BATCH = 64
Waiting = tuple[ap_q.ItemToStore, "asyncio.Future[ap_q.StoreOutcome]"]


class InboxWriter:
    """One per database pool (so per process): the queue of rows waiting to be written."""

    def __init__(self, db: Database, job_kind: str) -> None:
        self.db = db
        self.job_kind = job_kind
        self.wakeups = jobs.wakeups_for(db)
        self._waiting: list[Waiting] = []
        self._writing: asyncio.Task[None] | None = None

    async def store(self, item: ap_q.ItemToStore) -> ap_q.StoreOutcome:
        """The row's outcome once committed; raises asyncpg.DataError when PostgreSQL
        refuses this row."""
        future: asyncio.Future[ap_q.StoreOutcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writing is None:
            self._writing = asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                await self._write(batch)
        finally:
            self._writing = None
            # cancelled (the loop is closing): nobody is left to write for these
            for _, future in self._waiting:
                if not future.done():
                    future.set_exception(ConnectionError("the inbox writer stopped"))
            self._waiting = []

    async def _write(self, batch: list[Waiting]) -> None:
        notify = self.wakeups.leading(self.job_kind)
        try:
            async with self.db.acquire_plain() as conn:
                outcomes, woken = await ap_q.store_inbox_items(
                    conn, items=[item for item, _ in batch], job_kind=self.job_kind,
                    channel=jobs.NOTIFY_CHANNEL, notify=notify)
        except asyncpg.DataError as exc:
            if len(batch) == 1:
                _settle(batch, exc)
            else:
                for waiting in batch:
                    await self._write([waiting])
            return
        except Exception as exc:
            _settle(batch, exc)
            return
        except BaseException:
            _settle(batch, ConnectionError("the inbox writer stopped"))
            raise
        if any(o.stored for o in outcomes):
            self.wakeups.committed(self.job_kind, notified=woken)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():  # its request may have been cancelled meanwhile
                future.set_result(outcome)


def _settle(batch: list[Waiting], exc: Exception) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)


_WRITERS: weakref.WeakKeyDictionary[Database, InboxWriter] = weakref.WeakKeyDictionary()


def writer_for(db: Database, job_kind: str) -> InboxWriter:
    writer = _WRITERS.get(db)
    if writer is None:
        writer = _WRITERS[db] = InboxWriter(db, job_kind)
    return writer
