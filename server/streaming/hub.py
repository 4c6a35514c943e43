"""One LISTEN connection per web process, fanning stream events out to the clients
connected to this process. Clients may be on any process: NOTIFY reaches them all.

The hub only routes references (status id, notification id); the endpoint that owns a
client renders the Mastodon entity for that client's viewer, so visibility, blocks and
per-viewer flags are decided where the viewer is known. A new status bound for many signed-in
viewers is the exception: the hub has it rendered for all of them at once (the `renderer`
the endpoint installs) before offering it, so a thousand streams are woken once, with their
copy ready, instead of each waking to wait for the one render.

Messages are prepared concurrently but offered in the order PostgreSQL delivered them: a
`delete` never overtakes the `update` it follows while that one is being rendered.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
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
    # What an endpoint made of a shared payload for its wire format (an SSE frame), kept so
    # the thousand streams sharing one entity share its bytes too.
    encoded: dict[Any, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class StreamEvent:
    # update | delete | status.update | notification | filters_changed | conversation |
    # announcement | announcement.reaction | announcement.delete
    event: str
    ref: int               # status, notification or announcement id
    stream: tuple[str, ...]
    audience: Audience | None = field(default=None, compare=False, repr=False)
    # The same for every client (announcements): ready to send as it is.
    payload: str | None = field(default=None, compare=False, repr=False)


# (status id, viewer ids) -> each viewer's encoded entity, for the viewers who may see it
Renderer = Callable[[int, frozenset[int]], Awaitable[dict[int, str]]]
# announcement id -> its entity, encoded, as every client receives it (None: not announced)
Announcer = Callable[[int], Awaitable[str | None]]
ANNOUNCEMENT_EVENTS = frozenset({"announcement", "announcement.reaction", "announcement.delete"})
# Offered an event when nothing is queued before it: True when it sent the event (or found
# nothing to send) at once, False to leave it to the queue.
Sender = Callable[["StreamEvent"], bool]


@dataclass(eq=False)
class StreamClient:
    account_id: int | None
    streams: set[str] = field(default_factory=set)
    queue: asyncio.Queue[StreamEvent | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    # Set by an endpoint that can write a ready event without a trip through its task.
    send_now: Sender | None = field(default=None, repr=False)
    # True while the endpoint's task holds an event it has taken and not yet sent: a later
    # one must then queue behind it rather than be sent first.
    sending: bool = field(default=False, repr=False)
    _waiter: asyncio.Future[None] | None = field(default=None, repr=False)

    def offer(self, event: StreamEvent) -> None:
        # Straight to the socket when nothing waits before it, so order is kept: waking a
        # thousand tasks to copy a thousand ready payloads costs more than the writes.
        if (self.send_now is not None and not self.sending and self.queue.empty()
                and self.send_now(event)):
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            log.info("stream client for account %s is too slow; closing it", self.account_id)
            self.close()
            return
        self._wake()

    def close(self) -> None:
        while True:
            try:
                self.queue.put_nowait(None)
                break
            except asyncio.QueueFull:
                self.queue.get_nowait()
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def next_event(self, timeout: float) -> StreamEvent | None | str:
        """The next queued event (None: the stream is closed), or "heartbeat" after `timeout`
        seconds without one. The event stays queued until this task takes it, and the task
        counts as `sending` from then until it asks for the next: no moment when a later
        event could be sent straight past it. No task or timer per event, unlike wait_for."""
        self.sending = False
        if self.queue.empty():
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            timer = loop.call_later(timeout, _settle, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
            if self.queue.empty():
                return "heartbeat"
        self.sending = True
        return self.queue.get_nowait()


def _settle(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


Offers = list[tuple[StreamClient, StreamEvent]]


class StreamHub:
    def __init__(self, db: Database, *, renderer: Renderer | None = None,
                 announcer: Announcer | None = None) -> None:
        self.db = db
        self.renderer = renderer
        self.announcer = announcer
        self.clients: set[StreamClient] = set()
        self._listener: asyncpg.Connection | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        # Prepared messages, in arrival order, for the one task that offers them.
        self._ready: asyncio.Queue[asyncio.Task[Offers]] | None = None

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
        self._ready = None

    @property
    def listening(self) -> bool:
        return self._listener is not None and not self._listener.is_closed()

    def add(self, client: StreamClient) -> None:
        self.clients.add(client)

    def remove(self, client: StreamClient) -> None:
        self.clients.discard(client)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        if not self.clients:   # nobody streams from this process: nothing to prepare
            return
        try:
            message = json.loads(payload)
        except ValueError:
            return
        self.submit(message)

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def submit(self, message: dict[str, Any]) -> None:
        """Start preparing a message now; it is offered after those submitted before it."""
        if self._ready is None:
            self._ready = asyncio.Queue()
            self._spawn(self._offer_in_order(self._ready))
        self._ready.put_nowait(self._spawn(self.prepare(message)))

    async def _offer_in_order(self, ready: asyncio.Queue[asyncio.Task[Offers]]) -> None:
        while True:
            task = await ready.get()
            try:
                offers = await task
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise       # this loop itself is being stopped
                continue
            except Exception:  # one bad message must not stop the others
                log.exception("could not prepare stream message")
                continue
            for client, event in offers:
                if client in self.clients:
                    client.offer(event)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Prepare and offer one message at once (outside the ordered path)."""
        for client, event in await self.prepare(message):
            client.offer(event)

    async def prepare(self, message: dict[str, Any]) -> Offers:
        kind = message.get("e")
        if kind == "update":
            return await self._update(message)
        if kind in ("delete", "status.update"):
            # Mastodon sends these on every stream: the client drops what it does not show.
            return [(client, StreamEvent(kind, int(message["s"]), tuple(sorted(client.streams))))
                    for client in self.clients if client.streams]
        if kind in ("notification", "filters_changed", "conversation"):
            return self._to_account(int(message["a"]), kind,
                                    int(message.get("n") or message.get("s") or 0))
        if kind in ANNOUNCEMENT_EVENTS:
            return await self._announcement(kind, message)
        return []

    async def _announcement(self, kind: str, message: dict[str, Any]) -> Offers:
        """To every signed-in client on the user stream, one payload for all of them."""
        clients = [c for c in self.clients if c.account_id is not None and "user" in c.streams]
        if not clients:
            return []
        ref = int(message["s"])
        payload: str | None
        if kind == "announcement.delete":
            payload = str(ref)
        elif kind == "announcement.reaction":
            payload = json.dumps({"name": message["name"], "count": int(message["count"]),
                                  "announcement_id": str(ref)}, ensure_ascii=False)
        else:
            payload = await self.announcer(ref) if self.announcer is not None else None
            if payload is None:
                return []
        event = StreamEvent(kind, ref, ("user",), payload=payload)
        return [(client, event) for client in clients]

    async def _update(self, message: dict[str, Any]) -> Offers:
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
        if self.renderer is not None and audience.viewer_ids:
            # Rendered before anyone is woken; a failure is each client's to report (as
            # when they render it themselves), so it is kept in the future, not raised here.
            rendered = audience.rendered = asyncio.ensure_future(
                self.renderer(status_id, audience.viewer_ids))
            await asyncio.wait([rendered])
        return [(client, StreamEvent("update", status_id, streams, audience))
                for client, streams in offers]

    def _to_account(self, account_id: int, kind: str, ref: int) -> Offers:
        wanted = {"notification": {"user", "user:notification"}, "filters_changed": {"user"},
                  "conversation": {"direct"}}[kind]
        return [(client, StreamEvent(kind, ref, tuple(sorted(client.streams & wanted))))
                for client in self.clients
                if client.account_id == account_id and client.streams & wanted]
