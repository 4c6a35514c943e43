"""One LISTEN connection per web process, fanning stream events out to the clients
connected to this process. Clients may be on any process: NOTIFY reaches them all.

The hub only routes references (status id, notification id); the endpoint that owns a
client renders the Mastodon entity for that client's viewer, so visibility, blocks and
per-viewer flags are decided where the viewer is known.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from server.db import Database
from server.streaming import queries
from server.streaming.publish import CHANNEL

log = logging.getLogger(__name__)
QUEUE_LIMIT = 500          # a client this far behind is disconnected rather than buffered


@dataclass(eq=False)
class Audience:
    """The signed-in viewers one update was offered to in this process. Whoever renders the
    first of their copies may render all of them at once (one visibility query and one
    flags query for a thousand followers instead of a thousand of each) and leave the
    results here for the others."""

    viewer_ids: frozenset[int]
    rendered: asyncio.Future[dict[int, str]] | None = None


@dataclass(frozen=True)
class StreamEvent:
    event: str             # update | delete | status.update | notification | filters_changed | conversation
    ref: int               # status id or notification id
    stream: tuple[str, ...]
    audience: Audience | None = field(default=None, compare=False, repr=False)


@dataclass(eq=False)
class StreamClient:
    account_id: int | None
    streams: set[str] = field(default_factory=set)
    queue: asyncio.Queue[StreamEvent | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))

    def offer(self, event: StreamEvent) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            log.info("stream client for account %s is too slow; closing it", self.account_id)
            self.close()

    def close(self) -> None:
        while True:
            try:
                self.queue.put_nowait(None)
                return
            except asyncio.QueueFull:
                self.queue.get_nowait()


class StreamHub:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.clients: set[StreamClient] = set()
        self._listener: asyncpg.Connection | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        # A connection of its own, outside the pool: it is held for the life of the process,
        # and closing the pool must not wait for it.
        self._listener = await asyncpg.connect(self.db.dsn)
        await self._listener.add_listener(CHANNEL, self._on_notify)

    async def stop(self) -> None:
        for client in list(self.clients):
            client.close()
        if self._listener is not None:
            listener, self._listener = self._listener, None
            if not listener.is_closed():
                await listener.remove_listener(CHANNEL, self._on_notify)
                await listener.close()
        for task in list(self._tasks):
            task.cancel()

    @property
    def listening(self) -> bool:
        return self._listener is not None and not self._listener.is_closed()

    def add(self, client: StreamClient) -> None:
        self.clients.add(client)

    def remove(self, client: StreamClient) -> None:
        self.clients.discard(client)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            return
        task = asyncio.get_running_loop().create_task(self.dispatch(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("e")
        if kind == "update":
            await self._update(message)
        elif kind in ("delete", "status.update"):
            # Mastodon sends these on every stream: the client drops what it does not show.
            for client in self.clients:
                if client.streams:
                    client.offer(StreamEvent(kind, int(message["s"]), tuple(sorted(client.streams))))
        elif kind in ("notification", "filters_changed", "conversation"):
            self._to_account(int(message["a"]), kind, int(message.get("n") or message.get("s") or 0))

    async def _update(self, message: dict[str, Any]) -> None:
        status_id = int(message["s"])
        offers: list[tuple[StreamClient, tuple[str, ...]]] = []
        for client in self.clients:
            matched = client.streams.intersection(message.get("t") or ())
            if matched:
                offers.append((client, tuple(sorted(matched))))
        home = ([c for c in self.clients if "user" in c.streams and c.account_id is not None]
                if message.get("h") else [])
        if home:
            async with self.db.acquire() as conn:
                receivers = await queries.list_home_recipients(
                    conn, status_id=status_id,
                    account_ids=sorted({c.account_id for c in home if c.account_id}))
            offers += [(c, ("user",)) for c in home if c.account_id in receivers]
        audience = Audience(frozenset(c.account_id for c, _ in offers if c.account_id is not None))
        for client, streams in offers:
            client.offer(StreamEvent("update", status_id, streams, audience))

    def _to_account(self, account_id: int, kind: str, ref: int) -> None:
        wanted = {"notification": {"user", "user:notification"}, "filters_changed": {"user"},
                  "conversation": {"direct"}}[kind]
        for client in self.clients:
            if client.account_id == account_id and client.streams & wanted:
                stream = tuple(sorted(client.streams & wanted))
                client.offer(StreamEvent(kind, ref, stream))
