"""Where each request's time goes inside an app under test (bench only).

`install()` (inside the app, before it serves) wraps a few library methods at class level and
records, per request: when its bytes arrived (the protocol's data_received), how long it then
waited for the event loop before its handler started (queue), the wait for a pool connection,
the statements it ran and the time spent awaiting them (sql), the handler's remaining time
(its own work: middleware, rendering, encoding) and the time to write the answer. A request
that flushed the rate-limit counters says so (its flush is inside its sql time).

`dump(path)` writes the records as JSON lines (wall-clock arrival first) on exit;
`summarise(path, t0, t1)` gives percentiles for one window, for a scenario to put next to
the client's latencies. Nothing here runs unless the app is started with BENCH_REQ_TIMES.

With BENCH_REQ_SCHED set too (bench/scenarios/w6_tail.py), each record also carries what the
scheduler saw (/proc/.../schedstat: time on a CPU and time runnable but waiting for one): of
the app's loop thread over the request's life, and of the PostgreSQL backend over each of the
request's statements; with the request's `X-Bench-Seq` header and its monotonic times (the
same clock in every process), so a generator can join its own times to the app's. Reading
schedstat costs the app a few µs per read, four or more per request.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import os
import time
from pathlib import Path
from typing import Any

ENV = "BENCH_REQ_TIMES"
SCHED_ENV = "BENCH_REQ_SCHED"
_RECORDS: list[tuple[float, ...]] = []
# Statements run while serving requests, by their first line (the named query's comment or
# its SQL), with how many times each ran.
_STATEMENTS: dict[str, int] = {}
# How long each rate-limit flush took (s), whoever waited for it.
_FLUSHES: list[float] = []
# The record of the request this task serves: [sql_s, statements, acquire_s, flushed, write_s,
# the task]. Tasks started by the request (background reads) inherit the variable and are
# told apart by the task: their work is not the request's.
_CURRENT: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar(
    "bench_request", default=None)


def install() -> None:
    import asyncpg
    from aiohttp import web_protocol

    from server.api import ratecounter

    clock = time.perf_counter
    sched = _read_sched if os.environ.get(SCHED_ENV) else None
    app_fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY) if sched else -1
    handler_cls = web_protocol.RequestHandler
    received = handler_cls.data_received
    handle = handler_cls._handle_request
    finish = handler_cls.finish_response

    # The protocol has __slots__: arrival times are kept by its id (a connection that ends
    # leaves one entry, overwritten when the id is reused).
    arrivals: dict[int, tuple[float, float]] = {}

    def data_received(self: Any, data: bytes) -> None:
        # Keep-alive connections from the load tools carry one request at a time.
        arrivals[id(self)] = (clock(), time.time())
        received(self, data)

    async def _handle_request(self: Any, request: Any, start_time: Any, request_handler: Any) -> Any:
        started = clock()
        arrived, wall = arrivals.get(id(self)) or (started, time.time())
        rec: list[Any] = [0.0, 0.0, 0.0, 0.0, 0.0, asyncio.current_task(), 0, 0]
        app0 = sched(app_fd) if sched else (0, 0)
        token = _CURRENT.set(rec)
        try:
            return await handle(self, request, start_time, request_handler)
        finally:
            _CURRENT.reset(token)
            done = clock()
            write = rec[4]
            # arrival, queue, acquire, sql, statements, own work, write, total, flushed
            row: tuple[Any, ...] = (wall, started - arrived, rec[2], rec[0], rec[1],
                                    done - started - rec[0] - rec[2] - write, write,
                                    done - arrived, rec[3])
            if sched:
                app1 = sched(app_fd)
                # seq, arrived / started / done (monotonic s), the loop thread's CPU and
                # run-queue wait over the request's life (ns), its backends' over its
                # statements (ns)
                row += (request.headers.get("X-Bench-Seq"), arrived, started, done,
                        app1[0] - app0[0], app1[1] - app0[1], rec[6], rec[7])
            _RECORDS.append(row)

    async def finish_response(self: Any, request: Any, resp: Any, start_time: Any) -> Any:
        t = clock()
        try:
            return await finish(self, request, resp, start_time)
        finally:
            rec = _CURRENT.get()
            if rec is not None:
                rec[4] += clock() - t

    def timed(method: Any, slot: int, count: bool) -> Any:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            rec = _CURRENT.get()
            if rec is None or rec[5] is not asyncio.current_task():
                return await method(*args, **kwargs)
            fd = _backend_fd(args[0]) if sched and count else None
            pg0 = sched(fd) if fd is not None else (0, 0)
            t = clock()
            try:
                return await method(*args, **kwargs)
            finally:
                rec[slot] += clock() - t
                if fd is not None:
                    pg1 = sched(fd)
                    rec[6] += pg1[0] - pg0[0]
                    rec[7] += pg1[1] - pg0[1]
                if count:
                    rec[1] += 1
                    query = args[1] if len(args) > 1 and isinstance(args[1], str) else "?"
                    first = " ".join(query.split())[:90]
                    _STATEMENTS[first] = _STATEMENTS.get(first, 0) + 1
        return wrapper

    conn_cls = asyncpg.connection.Connection
    for name in ("fetch", "fetchrow", "fetchval", "execute", "executemany"):
        setattr(conn_cls, name, timed(getattr(conn_cls, name), 0, True))
    asyncpg.pool.Pool._acquire = timed(asyncpg.pool.Pool._acquire, 2, False)

    flush = ratecounter.RateCounter.flush

    async def flush_marked(self: Any, app: Any, now: Any) -> None:
        rec = _CURRENT.get()
        if rec is not None and rec[5] is asyncio.current_task():
            rec[3] = 1.0   # the request waits for this flush
        t = clock()
        try:
            await flush(self, app, now)
        finally:
            _FLUSHES.append(clock() - t)

    ratecounter.RateCounter.flush = flush_marked  # type: ignore[method-assign]
    handler_cls.data_received = data_received  # type: ignore[method-assign]
    handler_cls._handle_request = _handle_request  # type: ignore[method-assign]
    handler_cls.finish_response = finish_response  # type: ignore[method-assign]


def _read_sched(fd: int) -> tuple[int, int]:
    """(ns on a CPU, ns runnable but waiting for one) of the thread behind `fd`."""
    fields = os.pread(fd, 128, 0).split()
    return int(fields[0]), int(fields[1])


# PostgreSQL backend pid -> its schedstat, opened once (backends live as long as the pool's
# connections).
_BACKENDS: dict[int, int] = {}


def _backend_fd(conn: Any) -> int | None:
    try:
        pid = conn.get_server_pid()
    except Exception:
        return None
    fd = _BACKENDS.get(pid)
    if fd is None:
        try:
            fd = _BACKENDS[pid] = os.open(f"/proc/{pid}/schedstat", os.O_RDONLY)
        except OSError:
            return None
    return fd


def dump(path: str) -> None:
    import gc

    try:   # the periodic malloc_trim's own figures (it runs in a thread on the app's core)
        from server import memtune
        trims: dict[str, float] = dict(memtune.STATS)
    except ImportError:
        trims = {}
    with open(path, "w") as f:
        f.write(json.dumps({"gc": gc.get_stats(), "frozen": gc.get_freeze_count(),
                            "statements": _STATEMENTS, "requests": len(_RECORDS),
                            "flush_ms": sorted(round(x * 1000, 2) for x in _FLUSHES),
                            "malloc_trim": trims}) + "\n")
        for r in _RECORDS:
            f.write(json.dumps(r) + "\n")


FIELDS = ("queue", "acquire", "sql", "statements", "own", "write", "total")


def summarise(path: str | Path, t0: float, t1: float) -> dict[str, Any]:
    """Per field, p50 / p90 / p99 / max in ms (statements: per request) of the requests that
    arrived between wall-clock times t0 and t1, and how many flushed the rate counters."""
    rows = []
    gc_stats: Any = None
    for n, line in enumerate(Path(path).read_text().splitlines()):
        value = json.loads(line)
        if n == 0:
            gc_stats = value
            continue
        if t0 <= value[0] <= t1:
            rows.append(value)
    out: dict[str, Any] = {"requests": len(rows), "flushes": sum(1 for r in rows if r[8]),
                           "gc": gc_stats}
    for i, name in enumerate(FIELDS, start=1):
        vals = sorted(r[i] for r in rows) or [0.0]
        scale = 1.0 if name == "statements" else 1000.0

        def pick(q: float, vals: list[float] = vals, scale: float = scale) -> float:
            return vals[min(len(vals) - 1, int(q * len(vals)))] * scale

        out[name] = {"p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99), "max": vals[-1] * scale,
                     "mean": sum(vals) / len(vals) * scale}
    slow = sorted(rows, key=lambda r: -r[7])[:max(1, len(rows) // 100)]
    # What the slowest 1 % spent their time on (means, ms).
    out["slowest_1pct"] = {name: sum(r[i] for r in slow) / len(slow) * (1 if name == "statements" else 1000)
                           for i, name in enumerate(FIELDS, start=1)}
    out["slowest_1pct"]["flushes"] = sum(1 for r in slow if r[8])
    return out


def enabled() -> str | None:
    return os.environ.get(ENV) or None
