"""One LISTEN connection on the job channel per database, shared by the workers of a process.

A serving process runs a general worker and a delivery worker. PostgreSQL wakes every
backend that listens in a database at each commit that sent a NOTIFY, whatever the channel,
and sends each a copy of the notifications it listens for: with a connection per worker,
each stored inbox activity and each batch of processed ones woke one backend more, and the
app read one more copy. Shared, a NOTIFY is read once and handed to each worker's callback.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import Any

import asyncpg

from server.db import Database
from server.jobs import NOTIFY_CHANNEL

Callback = Callable[[Any, int, str, str], None]


class SharedListener:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.callbacks: list[Callback] = []
        self.conn: asyncpg.Connection | None = None
        self._opening: asyncio.Future[None] | None = None

    def _dispatch(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        for callback in list(self.callbacks):
            callback(conn, pid, channel, payload)

    async def _open(self) -> None:
        if self.conn is not None:
            return
        if self._opening is not None:  # another worker of this process is opening it
            await asyncio.shield(self._opening)
            return
        opening = self._opening = asyncio.get_running_loop().create_future()
        try:
            conn = await self.db.pool.acquire()
            try:
                await conn.add_listener(NOTIFY_CHANNEL, self._dispatch)
            except BaseException:
                await self.db.pool.release(conn)
                raise
            self.conn = conn
            opening.set_result(None)
        except BaseException as exc:
            opening.set_exception(exc)
            opening.exception()  # retrieved: the waiters, if any, raise it themselves
            raise
        finally:
            self._opening = None


_SHARED: weakref.WeakKeyDictionary[Database, SharedListener] = weakref.WeakKeyDictionary()


async def join(db: Database, callback: Callback) -> SharedListener:
    """Start hearing the job channel (raises when the connection cannot be had; the caller
    then polls only). Each join is ended by one `leave`."""
    shared = _SHARED.get(db)
    if shared is None:
        shared = _SHARED[db] = SharedListener(db)
    shared.callbacks.append(callback)
    try:
        await shared._open()
    except BaseException:
        await leave(shared, callback)
        raise
    return shared


async def leave(shared: SharedListener, callback: Callback) -> None:
    """Stop hearing; the last worker to leave gives the connection back."""
    if callback in shared.callbacks:
        shared.callbacks.remove(callback)
    if shared.callbacks or shared._opening is not None:
        return
    if _SHARED.get(shared.db) is shared:
        del _SHARED[shared.db]
    conn, shared.conn = shared.conn, None
    if conn is not None:
        try:
            if not conn.is_closed():
                await conn.remove_listener(NOTIFY_CHANNEL, shared._dispatch)
        finally:
            await shared.db.pool.release(conn)
