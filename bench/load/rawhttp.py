"""The open loop's HTTP/1.1 client: requests built as bytes before the timed run, written on
kept-alive connections by asyncio Protocols, answers parsed just enough to know where each
ends (status line, Content-Length or chunked, Connection: close).

Why not aiohttp's client: per request it costs a task, a session lookup, header objects and
a response object, ~1 ms of CPU here, so the generator could not offer 1,000/s from the core
it shares with PostgreSQL. This costs a few tens of µs per request.

One request per connection at a time (no pipelining). A request due while every connection
is busy opens another one (up to `max_connections`), else waits in a queue; its latency
still counts from when it was due.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

Done = Callable[[int, float, int], None]  # (request index, due, HTTP status)
_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding:[^\r\n]*chunked", re.IGNORECASE)
_CLOSE = re.compile(rb"\r\nconnection:[ \t]*close[ \t]*\r\n", re.IGNORECASE)
Failed = Callable[[int, float], None]
# The event loop's timers wake in whole milliseconds (epoll's timeout; libuv's clock under
# uvloop), so a request slept for until its due time went out up to 1 ms late, and that
# lateness counted as the server's latency (~0.5 ms of every p50 at 1,000/s). Requests due
# within this grain are sent at the wake before it instead, timed from when they are sent:
# the offered rate is the same, and no wait the server causes is left out.
TIMER_GRAIN = 0.001


def build_request(method: str, url: str, body: bytes | None,
                  headers: dict[str, str] | None) -> bytes:
    """The request as sent: given headers kept as they are (a signed Host stays), Host and
    Content-Length added when missing."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    names = {k.lower() for k in headers or {}}
    lines = [f"{method} {target} HTTP/1.1"]
    if "host" not in names:
        lines.append(f"Host: {parts.netloc}")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    data = body.encode() if isinstance(body, str) else body or b""
    if "content-length" not in names and (body is not None or method in ("POST", "PUT", "PATCH")):
        lines.append(f"Content-Length: {len(data)}")  # an empty POST says so, as aiohttp does
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data


class _Connection(asyncio.Protocol):
    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.current: tuple[int, float] | None = None
        self.status = 0
        self.body_end = -1       # index in buf where the answer ends, once known
        self.chunk_pos = -1      # chunked: where the next chunk-size line starts
        self.close_after = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.pool.connected(self)

    def send(self, i: int, due: float, data: bytes) -> None:
        self.current = (i, due)
        assert self.transport is not None
        self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while self.current is not None and self._answer_complete():
            i, due = self.current
            self.current = None
            del self.buf[:self.body_end]
            self.body_end = self.chunk_pos = -1
            self.pool.answered(self, i, due, self.status, reuse=not self.close_after)

    def _answer_complete(self) -> bool:
        buf = self.buf
        if self.body_end < 0 and self.chunk_pos < 0:
            head_end = buf.find(b"\r\n\r\n")
            if head_end < 0:
                return False
            # The three headers that say where the answer ends, found by pattern: splitting
            # and lowering every header line was a third of the generator's CPU.
            head = bytes(buf[:head_end + 2])
            self.status = int(head[9:12])
            length_m = _LENGTH.search(head)
            length = int(length_m.group(1)) if length_m else 0
            chunked = _CHUNKED.search(head) is not None
            self.close_after = _CLOSE.search(head) is not None
            if chunked:
                self.chunk_pos = head_end + 4
            else:
                self.body_end = head_end + 4 + length
        if self.chunk_pos >= 0:
            while True:  # size line, data, CRLF; a zero size ends (no trailers expected)
                line_end = buf.find(b"\r\n", self.chunk_pos)
                if line_end < 0:
                    return False
                size = int(bytes(buf[self.chunk_pos:line_end]).split(b";")[0], 16)
                end = line_end + 2 + size + 2
                if len(buf) < end:
                    return False
                self.chunk_pos = end
                if size == 0:
                    self.body_end, self.chunk_pos = end, -1
                    break
        return len(buf) >= self.body_end

    def connection_lost(self, exc: Exception | None) -> None:
        self.pool.lost(self)


class Pool:
    """Connections to one loopback host:port; `send` never blocks."""

    def __init__(self, host: str, port: int, *, max_connections: int, on_done: Done,
                 on_failed: Failed) -> None:
        self.host, self.port, self.max = host, port, max_connections
        self.on_done, self.on_failed = on_done, on_failed
        self.idle: list[_Connection] = []
        self.busy: set[_Connection] = set()
        self.opening = 0
        self.queue: deque[tuple[int, float, bytes]] = deque()
        self.outstanding = 0
        self.drained = asyncio.Event()
        self.tasks: set[asyncio.Task[object]] = set()

    def send(self, i: int, due: float, data: bytes) -> None:
        self.outstanding += 1
        self.drained.clear()
        if self.idle:
            conn = self.idle.pop()
            self._start(conn, i, due, data)
            return
        self.queue.append((i, due, data))
        if len(self.busy) + self.opening < self.max:
            self._open()

    def _start(self, conn: _Connection, i: int, due: float, data: bytes) -> None:
        self.busy.add(conn)
        conn.send(i, due, data)

    def _open(self) -> None:
        self.opening += 1
        loop = asyncio.get_running_loop()
        task = loop.create_task(loop.create_connection(lambda: _Connection(self), self.host,
                                                       self.port))
        self.tasks.add(task)
        task.add_done_callback(self._opened)

    def _opened(self, task: asyncio.Task[object]) -> None:
        self.tasks.discard(task)
        self.opening -= 1
        if task.cancelled() or task.exception() is not None:
            if self.queue:  # cannot connect: the request that asked for it fails
                i, due, _ = self.queue.popleft()
                self._finish_failed(i, due)

    def connected(self, conn: _Connection) -> None:
        self._next(conn)

    def _next(self, conn: _Connection) -> None:
        if self.queue:
            self._start(conn, *self.queue.popleft())
        else:
            self.idle.append(conn)

    def answered(self, conn: _Connection, i: int, due: float, status: int, *,
                 reuse: bool) -> None:
        self.busy.discard(conn)
        self.outstanding -= 1
        self.on_done(i, due, status)
        if reuse:
            self._next(conn)
        if self.outstanding == 0:
            self.drained.set()

    def lost(self, conn: _Connection) -> None:
        if conn in self.idle:
            self.idle.remove(conn)
        self.busy.discard(conn)
        if conn.current is not None:
            i, due = conn.current
            conn.current = None
            self._finish_failed(i, due)
        if self.queue and len(self.busy) + self.opening < self.max:
            self._open()

    def _finish_failed(self, i: int, due: float) -> None:
        self.outstanding -= 1
        self.on_failed(i, due)
        if self.outstanding == 0:
            self.drained.set()

    def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        for conn in [*self.idle, *self.busy]:
            if conn.transport is not None:
                conn.transport.close()
        self.idle.clear()
        self.busy.clear()


def _requests(url: str, total: int, method: str, body: bytes | None,
              headers: dict[str, str] | None,
              payloads: Sequence[tuple[bytes, dict[str, str]]] | None,
              targets: Sequence[tuple[str, str, bytes | None, dict[str, str]]] | None,
              ) -> Callable[[int], bytes]:
    """Request i as bytes, all built before the timed run."""
    if targets:
        built = [build_request(m, u, b, h) for m, u, b, h in targets]
        return lambda i: built[i % len(built)]
    if payloads is not None:
        each = [build_request(method, url, b, h) for b, h in payloads[:total]]
        return each.__getitem__
    one = build_request(method, url, body, headers)
    return lambda i: one


async def open_loop(url: str, *, rate: float, total: int, method: str,
                    body: bytes | None, headers: dict[str, str] | None,
                    max_in_flight: int,
                    payloads: Sequence[tuple[bytes, dict[str, str]]] | None,
                    on_done: Callable[[int, float, int], None] | None,
                    targets: Sequence[tuple[str, str, bytes | None, dict[str, str]]] | None,
                    hist: Any) -> dict[str, Any]:
    """The open loop of bench.load.openloop.open_loop over this client (see there); `hist`
    is its Histogram."""
    request = _requests(url, total, method, body, headers, payloads, targets)
    parts = urlsplit(url)
    statuses: Counter[int] = Counter()
    errors = 0
    late_starts = 0
    clock = time.perf_counter

    def done(i: int, due: float, status: int) -> None:
        hist.record(clock() - due)
        statuses[status] += 1
        if on_done is not None:
            on_done(i, due, status)

    def failed(i: int, due: float) -> None:
        nonlocal errors
        errors += 1

    pool = Pool(parts.hostname or "127.0.0.1", parts.port or 80,
                        max_connections=max_in_flight, on_done=done, on_failed=failed)
    # How late the generator itself sent each request (its own delays, not the server's),
    # and the CPU its thread used: a generator short of CPU measures itself.
    send_late: list[float] = []
    cpu0 = time.thread_time()
    t0 = clock()
    try:
        i = 0
        while i < total:
            now = clock()
            due = t0 + i / rate
            if due > now + TIMER_GRAIN:
                await asyncio.sleep(due - now - TIMER_GRAIN)
                continue
            # Everything due by now (or within the loop's timer grain) goes out in this pass:
            # after a stall the backlog is sent at once, each late request still timed from
            # when it was due; one sent early is timed from when it was sent.
            while i < total and due <= now + TIMER_GRAIN:
                send_late.append(max(0.0, now - due))
                if now - due > 0.01:
                    late_starts += 1
                pool.send(i, min(due, now), request(i))
                i += 1
                due = t0 + i / rate
        if pool.outstanding:
            try:
                await asyncio.wait_for(pool.drained.wait(), timeout=10.0)
            except TimeoutError:
                pass
    finally:
        unanswered = pool.outstanding
        pool.close()
    wall = clock() - t0
    cpu = time.thread_time() - cpu0
    ok = sum(n for s, n in statuses.items() if 200 <= s < 400)
    return {"mode": "open", "client": "raw", "generator_cpu_s": cpu,
            **_late_summary(send_late), "rate": rate, "sent": total, "ok": ok,
            "errors": errors + unanswered, "unanswered": unanswered,
            "non_2xx": sum(n for s, n in statuses.items() if not 200 <= s < 400),
            "late_starts": late_starts, "achieved_rps": ok / wall if wall else 0.0,
            **hist.summary()}


def _late_summary(late: list[float]) -> dict[str, float]:
    late.sort()
    if not late:
        return {"send_late_p99_ms": 0.0, "send_late_max_ms": 0.0}
    return {"send_late_p99_ms": late[min(len(late) - 1, int(0.99 * len(late)))] * 1000,
            "send_late_max_ms": late[-1] * 1000}
