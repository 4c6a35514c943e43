"""The web side's saturation, told through PostgreSQL to the processes that serve no requests.

A process's verify lane yields when that process's web side is saturated (load.py,
slots.py). A `commonhold worker` process serves no requests, so by its own gauge it is never
saturated and verified new actors at full speed while the web processes were overloaded: on
a machine or database shared with them that took the CPU and the commits the known senders
were waiting for (W3 `split`: 24 % of their throughput). So a saturated web process says so
in `web_load` (migration 0025), and every verify lane reads it.

The row holds a time HOLD_SECONDS ahead, refreshed every REFRESH_SECONDS while the process
stays saturated and set to now once it is calm. A web process that stops refreshing (it
crashed, or lost the database) stops counting when its time passes: verification never
waits on a process that is gone. PostgreSQL's clock decides, the one every reader shares.

Any saturated web process counts. Behind a load balancer the web processes share the same
traffic, so one of them saturated usually means they all are or soon will be, and what the
lane saves (its CPU and PostgreSQL's) is what the saturated one is short of when they share a
machine or a database. Waiting for all of them would let one idle process (just started, or
taken out of the balancer) keep the lane at full speed against the others' overload. The
cost is bounded as in one process: the floor keeps verifying, and the backlog's bounds
answer 503 with Retry-After.

What it costs: a saturated web process writes one row every REFRESH_SECONDS; a lane reads
the table at most every READ_SECONDS, and only when it is about to claim or while the last
reading said saturated (an idle lane reads nothing).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from server.db import Database
from server.federation.activitypub import inbox_store
from server.federation.activitypub.unverified import queries as q
from server.federation.activitypub.unverified.load import WEB, WebLoad
from server.federation.activitypub.unverified.service import PROCESS_JOB
from server.web.state import DB

log = logging.getLogger(__name__)

REFRESH_SECONDS = 0.2
HOLD_SECONDS = 0.6      # what one refresh vouches for: three missed refreshes end it
READ_SECONDS = 0.1      # a lane's reading is this fresh at most (its floor's pace)

_DB_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


class Publisher:
    """Keeps this process's `web_load` row while its web side is saturated."""

    def __init__(self, db: Database, *, load: WebLoad = WEB, process: str | None = None) -> None:
        self.db, self.load = db, load
        self.process = process or f"{socket.gethostname()}:{os.getpid()}"
        self._last = -1e9           # time.monotonic() of the last refresh started
        self._said = False          # the row says saturated (or a write saying so is under way)
        self._writing: asyncio.Task[None] | None = None
        self._end_after = False     # calm came while a refresh was being written

    def _paced(self) -> None:
        now = time.monotonic()
        self._end_after = False
        if self._writing is None and now - self._last >= REFRESH_SECONDS:
            self._last, self._said = now, True
            self._write(HOLD_SECONDS)

    def _calm(self) -> None:
        if not self._said:
            return
        if self._writing is not None:
            self._end_after = True
            return
        self._said = False
        self._write(0.0)

    def _write(self, seconds: float) -> None:
        self._writing = asyncio.get_running_loop().create_task(self._mark(seconds),
                                                               name="web-load-signal")

    async def _mark(self, seconds: float) -> None:
        try:
            async with self.db.acquire_plain() as conn:
                await q.mark_web_saturated(conn, process=self.process, seconds=seconds)
        except _DB_ERRORS as exc:
            log.warning("cannot record the web side's load: %s", exc)
        finally:
            self._writing = None
        if self._end_after:
            self._end_after = False
            self._calm()

    async def close(self) -> None:
        """Stop saying saturated (a stopping process is not overloaded any more)."""
        if self._writing is not None:
            await asyncio.wait([self._writing], timeout=2)
        if self._said:
            self._said = False
            await self._mark(0.0)


async def publishing(app: web.Application) -> AsyncIterator[None]:
    """While `app` runs: its web side's load watched and, when saturated, published."""
    writer = inbox_store.writer_for(app[DB], PROCESS_JOB)
    # the known senders' rows waiting for the database: the third sign of load.py
    WEB.watch_queue(lambda: writer.waiting)
    publisher = Publisher(app[DB])
    stop = WEB.listen(publisher._calm, publisher._paced)
    try:
        yield
    finally:
        stop()
        WEB.watch_queue(None)
        await publisher.close()

