"""HTTP load for the benchmarks: a fixed-arrival-rate (open-loop) asyncio generator with
HDR-style percentiles, a closed-loop saturation mode, a `wrk` wrapper used when wrk is
installed, and an aiohttp hello-world server as the same-run baseline.

Open loop: request i is due at t0 + i / rate whatever happened to the earlier ones, and its
latency is measured from when it was due, so a stalled server shows up in p99 instead of
silently slowing the generator (no coordinated omission). Every run is bounded by a duration
and a request count and stops by itself; targets must be loopback addresses.

    python -m bench.load.openloop hello --port 8090            # serve the baseline app
    python -m bench.load.openloop run http://127.0.0.1:8090/hello --rate 1000 --duration 5
    python -m bench.load.openloop saturate http://127.0.0.1:8090/hello --duration 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bench.load import rawhttp

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
HARD_MAX_SECONDS = 600.0
HARD_MAX_REQUESTS = 5_000_000


def check_target(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise ValueError(f"load targets must be loopback addresses, not {host!r}")


# --------------------------------------------------------------------------- histogram

@dataclass
class Histogram:
    """Log-linear buckets over integer microseconds: 64 sub-buckets per power of two, so any
    reported percentile is within 1.6 % of the true value (the HDR histogram idea, small)."""

    counts: Counter[tuple[int, int]] = field(default_factory=Counter)
    n: int = 0
    max_us: int = 0

    def record(self, seconds: float) -> None:
        v = max(int(seconds * 1e6), 0)
        shift = max(v.bit_length() - 7, 0)
        self.counts[(shift, v >> shift)] += 1
        self.n += 1
        self.max_us = max(self.max_us, v)

    def percentile(self, q: float) -> float:
        """The q-th percentile in milliseconds."""
        if not self.n:
            return float("nan")
        rank = max(1, int(round(q / 100 * self.n)))
        seen = 0
        for (shift, m) in sorted(self.counts, key=lambda k: k[1] << k[0]):
            seen += self.counts[(shift, m)]
            if seen >= rank:
                low, high = m << shift, ((m + 1) << shift) - 1
                return (low + high) / 2 / 1000
        return self.max_us / 1000

    def summary(self) -> dict[str, float]:
        return {"p50_ms": self.percentile(50), "p90_ms": self.percentile(90),
                "p99_ms": self.percentile(99), "p999_ms": self.percentile(99.9),
                "max_ms": self.max_us / 1000, "n": self.n}


# --------------------------------------------------------------------------- generators

def run_generator(main: Any) -> Any:
    """Run a load coroutine on uvloop where installed. The generator shares its core with
    PostgreSQL: on the default loop it used ~190 µs of CPU per inbox POST at 1,000/s (a
    fifth of that core), CPU PostgreSQL's commits then waited for."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


async def open_loop(url: str, *, rate: float, duration: float, max_requests: int | None = None,
                    method: str = "GET", body: bytes | None = None,
                    headers: dict[str, str] | None = None, max_in_flight: int = 256,
                    session: aiohttp.ClientSession | None = None,
                    payloads: Sequence[tuple[bytes, dict[str, str]]] | None = None,
                    on_done: Callable[[int, float, int], None] | None = None,
                    targets: Sequence[tuple[str, str, bytes | None, dict[str, str]]] | None = None,
                    ) -> dict[str, Any]:
    """Send at `rate` requests/s for `duration` s (and at most `max_requests`).

    `payloads` gives request i its own (body, headers) (pre-signed activities; at most
    len(payloads) requests are sent); `on_done(i, due, status)` is called as each answer
    arrives (`due` on the time.perf_counter() clock). `targets` gives request i its own
    (method, url, body, headers), taken in turn (many users, many pages); they must all be on
    the host:port of `url`.

    Requests go out over `bench.load.rawhttp` (pre-built bytes, up to `max_in_flight`
    kept-alive connections); with a `session`, through that aiohttp session instead."""
    check_target(url)
    for t in targets or ():
        check_target(t[1])
    duration = min(duration, HARD_MAX_SECONDS)
    total = min(int(rate * duration), max_requests or HARD_MAX_REQUESTS, HARD_MAX_REQUESTS)
    if payloads is not None:
        total = min(total, len(payloads))
    if session is not None:
        return await _open_loop_aiohttp(url, rate=rate, total=total, method=method, body=body,
                                        headers=headers, max_in_flight=max_in_flight,
                                        session=session, payloads=payloads, on_done=on_done,
                                        targets=targets)
    return await rawhttp.open_loop(url, rate=rate, total=total, method=method, body=body,
                                   headers=headers, max_in_flight=max_in_flight,
                                   payloads=payloads, on_done=on_done, targets=targets,
                                   hist=Histogram())


async def _open_loop_aiohttp(url: str, *, rate: float, total: int, method: str,
                             body: bytes | None, headers: dict[str, str] | None,
                             max_in_flight: int, session: aiohttp.ClientSession,
                             payloads: Sequence[tuple[bytes, dict[str, str]]] | None,
                             on_done: Callable[[int, float, int], None] | None,
                             targets: Sequence[tuple[str, str, bytes | None, dict[str, str]]]
                             | None) -> dict[str, Any]:
    hist = Histogram()
    statuses: Counter[int] = Counter()
    errors = 0
    late_starts = 0
    gate = asyncio.Semaphore(max_in_flight)

    async def one(i: int, due: float) -> None:
        nonlocal errors
        data, hdrs = payloads[i] if payloads is not None else (body, headers)
        verb, where = method, url
        if targets:
            verb, where, data, hdrs = targets[i % len(targets)]
        async with gate:
            try:
                async with session.request(verb, where, data=data, headers=hdrs) as r:
                    await r.read()
                    statuses[r.status] += 1
            except (TimeoutError, aiohttp.ClientError, OSError):
                errors += 1
                return
        hist.record(time.perf_counter() - due)
        if on_done is not None:
            on_done(i, due, r.status)

    tasks: set[asyncio.Task[None]] = set()
    t0 = time.perf_counter()
    try:
        for i in range(total):
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.01:
                late_starts += 1
            task = asyncio.create_task(one(i, due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(set(tasks), timeout=10.0)
    finally:
        for t in tasks:
            t.cancel()
    wall = time.perf_counter() - t0
    ok = sum(n for s, n in statuses.items() if 200 <= s < 400)
    return {"mode": "open", "client": "aiohttp", "rate": rate, "sent": total, "ok": ok,
            "errors": errors, "non_2xx": sum(n for s, n in statuses.items() if not 200 <= s < 400),
            "late_starts": late_starts, "achieved_rps": ok / wall if wall else 0.0,
            **hist.summary()}


async def closed_loop(url: str, *, connections: int = 32, duration: float = 5.0,
                      max_requests: int | None = None, method: str = "GET",
                      body: bytes | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Saturation: `connections` clients each sending the next request as soon as the last
    returns. Python's client costs about as much CPU as a small server, so prefer wrk."""
    check_target(url)
    duration = min(duration, HARD_MAX_SECONDS)
    limit = min(max_requests or HARD_MAX_REQUESTS, HARD_MAX_REQUESTS)
    hist = Histogram()
    done = 0
    errors = 0
    end = time.perf_counter() + duration
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as session:
        async def client() -> None:
            nonlocal done, errors
            while time.perf_counter() < end and done < limit:
                t = time.perf_counter()
                try:
                    async with session.request(method, url, data=body, headers=headers) as r:
                        await r.read()
                except (aiohttp.ClientError, OSError):
                    errors += 1
                    continue
                done += 1
                hist.record(time.perf_counter() - t)

        t0 = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(connections)))
        wall = time.perf_counter() - t0
    return {"mode": "closed", "tool": "python", "connections": connections, "requests": done,
            "errors": errors, "rps": done / wall if wall else 0.0, **hist.summary()}


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def wrk(url: str, *, duration: float = 5.0, connections: int = 32, threads: int = 1,
        script: str | None = None, core: int | None = None) -> dict[str, Any]:
    """Run wrk (closed loop) and parse its summary. Pinned with taskset when `core` is given."""
    check_target(url)
    from bench.common import taskset_prefix

    cmd = [*(taskset_prefix(core) if core is not None else []), "wrk", "-t", str(threads),
           "-c", str(connections), "-d", f"{int(max(1, min(duration, HARD_MAX_SECONDS)))}s",
           "--latency"]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    lat = {q: re.search(rf"\s{q}%\s+([\d.]+)(us|ms|s)", out) for q in ("50", "90", "99")}
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)

    def ms(m: re.Match[str] | None) -> float:
        if not m:
            return float("nan")
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

    return {"mode": "closed", "tool": "wrk", "connections": connections,
            "rps": float(rps.group(1)) if rps else 0.0, "p50_ms": ms(lat["50"]),
            "p90_ms": ms(lat["90"]), "p99_ms": ms(lat["99"]),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(0) if errors else "", "raw": out}


def saturate(url: str, *, duration: float = 5.0, connections: int = 32,
             core: int | None = None) -> dict[str, Any]:
    """wrk when installed, else the Python closed loop."""
    if have_wrk():
        return wrk(url, duration=duration, connections=connections, core=core)
    return asyncio.run(closed_loop(url, duration=duration, connections=connections))


# --------------------------------------------------------------------------- hello world

def hello_app() -> Any:
    from aiohttp import web

    async def hello(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/hello", hello)
    app.router.add_get("/health", hello)
    return app


def serve_hello(port: int, max_seconds: float) -> None:
    from aiohttp import web

    async def main() -> None:
        runner = web.AppRunner(hello_app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
        await site.start()
        print(json.dumps({"port": site._server.sockets[0].getsockname()[1]}), flush=True)  # type: ignore[union-attr]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await asyncio.wait_for(stop.wait(), timeout=max_seconds)
        except TimeoutError:
            pass
        await runner.cleanup()

    asyncio.run(main())


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hello", help="serve the hello-world baseline on 127.0.0.1")
    h.add_argument("--port", type=int, default=0)
    h.add_argument("--max-seconds", type=float, default=900)
    r = sub.add_parser("run", help="open-loop load at a fixed rate")
    r.add_argument("url")
    r.add_argument("--rate", type=float, required=True)
    r.add_argument("--duration", type=float, default=5)
    r.add_argument("--max-requests", type=int)
    s = sub.add_parser("saturate", help="closed-loop saturation (wrk when installed)")
    s.add_argument("url")
    s.add_argument("--duration", type=float, default=5)
    s.add_argument("--connections", type=int, default=32)
    args = p.parse_args(argv)
    if args.cmd == "hello":
        serve_hello(args.port, args.max_seconds)
    elif args.cmd == "run":
        print(json.dumps(asyncio.run(open_loop(args.url, rate=args.rate, duration=args.duration,
                                               max_requests=args.max_requests)), indent=2))
    else:
        out = saturate(args.url, duration=args.duration, connections=args.connections)
        out.pop("raw", None)
        print(json.dumps(out, indent=2))


if __name__ == "__main__":
    sys.exit(main())


# --------------------------------------------------------------------------- for scenarios

class HelloServer:
    """The hello-world baseline as a subprocess on the app core; stopped by PID."""

    def __init__(self, core: int | None = None, max_seconds: float = 900) -> None:
        self.core = core
        self.max_seconds = max_seconds
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> HelloServer:
        from bench.common import APP_CORE, REPO_DIR, taskset_prefix

        cmd = [*taskset_prefix(APP_CORE if self.core is None else self.core), sys.executable, "-m",
               "bench.load.openloop", "hello", "--max-seconds", str(self.max_seconds)]
        self.proc = subprocess.Popen(cmd, cwd=str(REPO_DIR), stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.port = json.loads(self.proc.stdout.readline())["port"]
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hello"

    def __exit__(self, *exc: object) -> None:
        from bench.common import stop_process

        stop_process(self.proc, timeout=10)


def measure_endpoint(url: str, server_pid: int, *, runs: int, duration: float,
                     connections: int = 32, open_rate_cap: float = 2_000.0) -> dict[str, Any]:
    """Saturation req/s and server CPU-µs per request (closed loop, wrk when installed, on the
    load core), then open-loop latency at half the saturation rate (capped at what the Python
    generator can send). Returns lists, one entry per run."""
    from bench.common import LOAD_CORE, pin_self, process_meter

    pin_self(LOAD_CORE)  # this process is the load generator now
    out: dict[str, Any] = {"rps": [], "cpu_us": [], "p50_ms": [], "p99_ms": [], "open": [],
                           "tool": "wrk" if have_wrk() else "python"}
    for _ in range(runs):
        meter = process_meter(server_pid)
        meter.start()
        sat = saturate(url, duration=duration, connections=connections, core=LOAD_CORE)
        cpu = meter.stop()
        n = sat["rps"] * duration
        out["rps"].append(sat["rps"])
        out["cpu_us"].append(cpu / n * 1e6 if n else float("nan"))
        rate = max(50.0, min(sat["rps"] * 0.5, open_rate_cap))
        ol = asyncio.run(open_loop(url, rate=rate, duration=min(duration, 3.0)))
        out["p50_ms"].append(ol["p50_ms"])
        out["p99_ms"].append(ol["p99_ms"])
        out["open"].append({k: v for k, v in ol.items()})
    return out
