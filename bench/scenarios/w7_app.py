"""api_app with a memory probe, for W7: on each SIGUSR2 it appends one JSON line to
`--probe-out` with the process's RSS, what Python holds (tracemalloc's traced bytes when
tracing, else allocated blocks), glibc's malloc figures (mallinfo2: bytes taken from the
system by all arenas, in use, free inside them, mmapped), its thread count and the sizes of
the process-wide caches; with `--trace-frames N` it traces allocations (tracemalloc, N frames
each) and dumps a snapshot next to the probe file, for W7 to compare by file:line.

Tracing costs memory of its own (counted in RSS, reported apart) and CPU, so the RSS of a
traced run is only read for attribution; untraced runs give the RSS figures.

The dataset's remote hosts (`*.remote.bench.invalid`) do not exist and W7 runs no fake
fleet: the app's HTTP client gets a resolver that finds no address for any name, at once,
so a delivery fails as it would against a name that does not resolve, without a DNS query
leaving the machine (the system resolver would ask the configured name server).

    python -m bench.scenarios.w7_app --dsn ... --workers 32 [--probe-out /tmp/p.jsonl]
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import json
import os
import signal
import socket
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult

from bench.common import proc_rss_mib
from bench.scenarios.inbox_app import app_arguments, serve


class NoRemoteHosts(AbstractResolver):
    """Finds no address for any name, without asking anyone."""

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        raise OSError(f"w7: no host {host} here")

    async def close(self) -> None:
        return None


def _without_remote_hosts() -> None:
    """create_app's own HTTP client (serve passes none without a fleet) with NoRemoteHosts."""
    import server.app

    make = server.app.make_client_session

    def make_client_session(config: Any, *, resolver: AbstractResolver | None = None) -> Any:
        return make(config, resolver=NoRemoteHosts())

    server.app.make_client_session = make_client_session  # type: ignore[assignment]


class _MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def _mallinfo() -> dict[str, float]:
    """glibc's own figures, in MiB: `arena` is what all malloc arenas took with brk/mmap,
    `in_use` what is allocated in them, `free` what they hold unused (fragmentation or not yet
    given back), `mmapped` the large blocks malloc mmaps one by one. {} off glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        fn = libc.mallinfo2
    except (OSError, AttributeError):
        return {}
    fn.restype = _MallInfo2
    m = fn()
    mib = 1 / (1024 * 1024)
    return {"arena": m.arena * mib, "in_use": m.uordblks * mib, "free": m.fordblks * mib,
            "mmapped": m.hblkhd * mib}


def _pymalloc() -> dict[str, float]:
    """Python's own allocator (small objects, up to 512 bytes), from sys._debugmallocstats
    (which writes to the C stderr, read back through a file): its arenas in MiB (1 MiB each
    in 3.11, given back only when every block in them is free), the bytes in live blocks and
    the free bytes inside its arenas. What the arenas hold beyond the live blocks is the
    fragmentation a burst leaves behind. {} where the figures are missing."""
    import re
    import tempfile

    with tempfile.TemporaryFile(mode="w+b") as tmp:
        saved = os.dup(2)
        try:
            os.dup2(tmp.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        text = tmp.read().decode(errors="replace")
    found = {}
    for label, key in (("arenas allocated current", "arenas"),
                       ("bytes in allocated blocks", "live"),
                       ("bytes in available blocks", "free_blocks")):
        m = re.search(r"# " + label + r"\s*=\s*([\d,]+)", text)
        if m:
            found[key] = int(m.group(1).replace(",", ""))
    unused = re.search(r"(\d+) unused pools \* (\d+) bytes", text)
    if not found or "arenas" not in found:
        return {}
    mib = 1 / 2**20
    out = {"pymalloc_arenas": found["arenas"],   # MiB: one MiB each
           "pymalloc_live": round(found.get("live", 0) * mib, 2)}
    free = found.get("free_blocks", 0) + (int(unused.group(1)) * int(unused.group(2))
                                          if unused else 0)
    out["pymalloc_free"] = round(free * mib, 2)
    return out


def _usable_size() -> Any:
    """glibc's malloc_usable_size, or None."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        fn = libc.malloc_usable_size
    except (OSError, AttributeError):
        return None
    fn.argtypes, fn.restype = [ctypes.c_void_p], ctypes.c_size_t
    return fn


_USABLE = _usable_size()


def _size(o: Any) -> int:
    """sys.getsizeof, except for bytes and str beyond pymalloc's 512 bytes: those come from
    malloc at the object's own address (neither is tracked by the collector, so no header
    precedes it), and what malloc gave may be far more than the length says (orjson's
    output is sized for the worst case and not shrunk)."""
    size = sys.getsizeof(o)
    if size > 512 and _USABLE is not None and type(o) in (bytes, str):
        size = max(size, _USABLE(id(o)))
    return size


def _deep_bytes(obj: Any, seen: set[int]) -> int:
    """What everything reachable through containers and instance dicts/slots takes (`_size`),
    skipping objects already counted through `seen`: with one `seen` for all caches, what
    they hold together, shared objects counted once (in the first cache that holds them);
    with a fresh one, what a cache holds alone."""
    stack, total = [obj], 0
    while stack:
        o = stack.pop()
        if id(o) in seen or isinstance(o, type) or callable(o) and not hasattr(o, "__dict__"):
            continue
        seen.add(id(o))
        total += _size(o)
        if isinstance(o, dict):
            stack.extend(o.keys())
            stack.extend(o.values())
        elif isinstance(o, (list, tuple, set, frozenset)):
            stack.extend(o)
        else:
            d = getattr(o, "__dict__", None)
            if isinstance(d, dict):
                stack.append(d)
            for cls in type(o).__mro__:
                for name in getattr(cls, "__slots__", ()):
                    if isinstance(name, str) and hasattr(o, name):
                        stack.append(getattr(o, name))
    return total


def _cache_sizes() -> dict[str, Any]:
    """Entries in every process-wide cache of the server's modules: each BoundedCache and
    lru_cache found at module level, the key caches and the token caches; with the bytes the
    larger ones hold (`_deep_bytes`: `_kib` shared objects counted once, in the first cache
    by module name; `_alone_kib` everything the cache reaches)."""
    out: dict[str, Any] = {}
    seen: set[int] = set()
    mods = dict(sys.modules)
    bounded = getattr(mods.get("server.api.entities.cache"), "BoundedCache", None)
    for modname, m in sorted(mods.items()):
        if not modname.startswith("server.") or m is None:
            continue
        short = modname.removeprefix("server.")
        for key, obj in list(vars(m).items()):
            if bounded is not None and isinstance(obj, bounded):
                out[f"{short}.{key}"] = len(obj)
                out[f"{short}.{key}_kib"] = round(_deep_bytes(obj._data, seen) / 1024)
                out[f"{short}.{key}_alone_kib"] = round(_deep_bytes(obj._data, set()) / 1024)
                if getattr(obj, "max_bytes", 0):   # what the cache counts against its bound
                    out[f"{short}.{key}_weighed_kib"] = round(obj.bytes / 1024)
                if obj.lookups:
                    out[f"{short}.{key}_hit_rate"] = round(1 - obj.misses / obj.lookups, 4)
            elif hasattr(obj, "cache_info") and getattr(obj, "__module__", None) == modname:
                info = obj.cache_info()
                out[f"{short}.{key}"] = info.currsize
                if info.hits + info.misses:
                    out[f"{short}.{key}_hit_rate"] = round(info.hits / (info.hits + info.misses), 4)
    if (m := mods.get("server.federation.activitypub.keyring")) is not None:
        out["keys_parsed"] = len(getattr(m, "_parsed", ()))
        out["keys_remembered"] = len(getattr(m, "_remembered", ()))
    if (m := mods.get("server.db.timestamps")) is not None:   # datetimes decoded so far
        decoded = getattr(m, "_DECODED", {})
        out["timestamps_decoded"] = len(decoded)
        out["timestamps_decoded_kib"] = round(_deep_bytes(dict(decoded), set()) / 1024)
    if (m := mods.get("server.api.auth")) is not None:
        rows = [getattr(c, "_rows", {}) for c in list(m._CACHES.values())]
        out["token_rows"] = sum(len(r) for r in rows)
        out["token_rows_kib"] = round(sum(_deep_bytes(r, seen) for r in rows) / 1024)
        known = getattr(m, "_KNOWN", None)   # callers made from rows, kept by row identity
        if known is not None:
            out["token_callers"] = len(known)
            out["token_callers_kib"] = round(_deep_bytes(known, seen) / 1024)
    return out


def _connections() -> dict[str, Any]:
    """The HTTP client's pooled connections (idle keep-alive and in use), the server's
    open client connections (one RequestHandler each) with the response bodies they still
    hold, and the streaming hub's clients."""
    out: dict[str, Any] = {"client_idle": 0, "client_in_use": 0, "server_handlers": 0,
                           "server_last_bodies": 0, "server_last_bodies_kib": 0.0,
                           "stream_clients": 0}
    try:
        from aiohttp import connector, web, web_protocol
    except ImportError:
        return out
    hub_cls = getattr(sys.modules.get("server.streaming.hub"), "StreamHub", None)
    for o in gc.get_objects():
        if isinstance(o, connector.BaseConnector):
            out["client_idle"] += sum(len(v) for v in getattr(o, "_conns", {}).values())
            out["client_in_use"] += len(getattr(o, "_acquired", ()))
        elif isinstance(o, web_protocol.RequestHandler):
            out["server_handlers"] += 1
        elif isinstance(o, web.StreamResponse):
            # aiohttp's connection loop keeps its last request and response in its frame
            # until the next request arrives: the bodies responses alive still hold. (Not
            # read through the frame: a frame's f_locals, once asked for, stays with the
            # frame, so the probe itself kept a dict per idle connection.)
            body = getattr(o, "_body", None)
            if isinstance(body, (bytes, bytearray)) and body:
                out["server_last_bodies"] += 1
                out["server_last_bodies_kib"] += _size(body) / 1024
        elif hub_cls is not None and isinstance(o, hub_cls):
            out["stream_clients"] += len(o.clients)
    return out


def _statement_caches() -> dict[str, int]:
    """asyncpg connections alive and the prepared statements their caches hold. Only those
    the collector sees: the pool's first connections, made before start-up ends, are frozen
    with everything else then alive (runtime.settle_heap) and not counted here; W7's queue
    samples count the pool's backends in PostgreSQL instead."""
    try:
        import asyncpg
    except ImportError:
        return {}
    from asyncpg.pool import PoolConnectionProxy

    # The pool hands out proxies (one per acquire); only the connections themselves count.
    conns = [o for o in gc.get_objects() if isinstance(o, asyncpg.connection.Connection)
             and not isinstance(o, PoolConnectionProxy)]
    live = [c for c in conns if not c.is_closed()]
    stmts = 0
    for c in live:
        cache = getattr(c, "_stmt_cache", None)
        stmts += len(cache) if cache is not None else 0
    return {"pg_connections": len(live), "pg_closed_connections": len(conns) - len(live),
            "pg_cached_statements": stmts}


def _trim_stats() -> dict[str, Any]:
    """server.memtune's trims so far: how many, the longest pause and the total, in ms."""
    m = sys.modules.get("server.memtune")
    stats = getattr(m, "STATS", None)
    return dict(stats) if stats is not None else {}


def _sockets() -> int:
    """Open sockets: client connections (each keeps its handler's state), PostgreSQL's."""
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            n += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return n


def _release_caches() -> None:
    """After the soak only, for attribution: empty every module-level cache of the server
    (as _cache_sizes finds them) and asyncpg's statement caches, collect and trim, so the
    probe that follows shows how much RSS they held. Never done while load runs."""
    bounded = getattr(sys.modules.get("server.api.entities.cache"), "BoundedCache", None)
    for modname, m in list(sys.modules.items()):
        if not modname.startswith("server.") or m is None:
            continue
        for obj in list(vars(m).values()):
            if bounded is not None and isinstance(obj, bounded):
                obj.clear()
            elif hasattr(obj, "cache_clear") and getattr(obj, "__module__", None) == modname:
                obj.cache_clear()
    if (m := sys.modules.get("server.federation.activitypub.keyring")) is not None:
        m._remembered.clear()
    if (m := sys.modules.get("server.api.auth")) is not None:
        for c in list(m._CACHES.values()):
            c.clear()
        getattr(m, "_KNOWN", {}).clear()
    import asyncpg
    from asyncpg.pool import PoolConnectionProxy
    for o in gc.get_objects():
        if isinstance(o, asyncpg.connection.Connection) and not isinstance(o, PoolConnectionProxy):
            o._drop_local_statement_cache()
    gc.collect()
    from server import memtune
    memtune.trim()


def install_probe(out: Path, frames: int) -> None:
    t0 = time.monotonic()
    n = [0]
    known: set[str] = set()   # modules reported so far (the first probe reports none)

    def probe(*_: Any) -> None:
        # A signal handler runs inside whatever code the loop was running: nothing may escape.
        try:
            measure()
        except Exception as exc:  # noqa: BLE001
            with out.open("a") as fh:
                fh.write(json.dumps({"error": repr(exc)}) + "\n")

    def measure() -> None:
        n[0] += 1
        trim_first = out.with_suffix(".trim")
        if trim_first.exists():   # after the soak: what a trim now would give back
            trim_first.unlink()
            from server import memtune
            memtune.trim()
        release = out.with_suffix(".release")
        if release.exists():   # the soak is over: see what the caches held (_release_caches)
            release.unlink()
            _release_caches()
        row: dict[str, Any] = {"t": round(time.monotonic() - t0, 1), "rss": proc_rss_mib(os.getpid()),
                               "threads": threading.active_count(), "sockets": _sockets(),
                               "os_threads": len(os.listdir("/proc/self/task")),
                               "blocks": sys.getallocatedblocks(),
                               "gc_objects": len(gc.get_objects()),
                               "modules": len(sys.modules)}   # imports made after start-up
        # The collector's runs and what they found unreachable, by generation: garbage in
        # reference cycles waits for them (the oldest generation runs seldom).
        for g, st in enumerate(gc.get_stats()):
            row[f"gc{g}_runs"], row[f"gc{g}_collected"] = st["collections"], st["collected"]
        row |= {f"malloc_{k}": round(v, 2) for k, v in _mallinfo().items()}
        row |= _pymalloc()
        row |= _cache_sizes() | _statement_caches() | _connections() | _trim_stats()
        # Modules imported since the last probe: what a path first used then pulls in.
        names = set(sys.modules)
        if known:
            row["new_modules"] = sorted(names - known)
        known.update(names)
        if tracemalloc.is_tracing():
            cur, peak = tracemalloc.get_traced_memory()
            row |= {"traced": cur / 2**20, "traced_peak": peak / 2**20,
                    "trace_overhead": tracemalloc.get_tracemalloc_memory() / 2**20}
            snap = out.with_name(f"{out.stem}.{n[0]}.snapshot")
            tracemalloc.take_snapshot().dump(str(snap))
            row["snapshot"] = str(snap)
        with out.open("a") as fh:
            fh.write(json.dumps(row) + "\n")

    if frames:
        tracemalloc.start(frames)
    signal.signal(signal.SIGUSR2, probe)


def main(argv: list[str] | None = None) -> None:
    from server.cli import run_loop

    # serve reads what api_app reads (one parser for both); the probe adds its own.
    p = app_arguments(__doc__.splitlines()[0], max_seconds=1800.0)
    p.add_argument("--probe-out", type=Path, help="answer SIGUSR2 with a probe line here")
    p.add_argument("--trace-frames", type=int, default=0, help="tracemalloc frames (0: off)")
    p.add_argument("--no-memory-tuning", action="store_true",
                   help="without server.memtune's arena cap and periodic trim (for comparison)")
    args = p.parse_args(argv)
    _without_remote_hosts()   # imports server.app: the modules that make the entity caches
    if args.probe_out is not None:
        from server.api.entities import cache

        cache.instrument_all()   # hit rates in the probe lines (one Python call per lookup)
        install_probe(args.probe_out, args.trace_frames)
    from bench import reqtimes

    timings = reqtimes.enabled()   # BENCH_REQ_TIMES: each request's time split (pool wait...)
    if timings:
        reqtimes.install()
    try:
        run_loop(serve(args), tune_memory=not args.no_memory_tuning)
    finally:
        if timings:
            reqtimes.dump(timings)


if __name__ == "__main__":
    main()
