"""W8, footprint and start-up.

- Embedded PostgreSQL: cold start (fresh data dir: initdb, start, CREATE DATABASE) and warm
  start (existing data dir), through server.db.embedded.EmbeddedPostgres, plus the stop.
- `commonhold serve` as a subprocess on a warm embedded database (data dir prepared once by
  `commonhold migrate`): process start to the first `/health` 200, then RSS idle; and the
  same with DATABASE_URL pointing at an already running server (the app alone).
- RSS under load: `/health` driven at saturation (wrk when installed, else the Python
  closed loop) and the peak RSS of the serve process; `/health` req/s and CPU-µs per request
  against an aiohttp hello-world measured in the same run (the ratio is what to compare).
- `import server.app` time in a fresh interpreter.
- Where the start-up goes: the phase lines `commonhold serve` prints with
  COMMONHOLD_STARTUP_TIMES set (server/startup_times.py), medians over the runs.
- The same start and import with the bytecode cache usable (PYTHONPYCACHEPREFIX in a scratch
  directory, PYTHONDONTWRITEBYTECODE unset): what an installed server, whose .pyc files
  exist, pays. Without it every start compiles the ~260 modules of `server` again.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import (
    APP_CORE,
    REPO_DIR,
    Result,
    mmm,
    proc_rss_mib,
    runs_for,
    say,
    stop_process,
    taskset_prefix,
)
from bench.load.openloop import HelloServer, measure_endpoint


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(data_dir: Path, database_url: str | None = None,
         extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMONHOLD_") and k != "DATABASE_URL"}
    env["COMMONHOLD_DATA_DIR"] = str(data_dir)
    env["COMMONHOLD_SECRET_KEY"] = "bench-secret-key-0123456789abcdefghijklmnop"
    env["COMMONHOLD_STARTUP_TIMES"] = "1"
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra or {})
    return env


def _bytecode_env(cache_dir: Path) -> dict[str, str]:
    """Environment overrides under which Python keeps compiled modules (in `cache_dir`)."""
    return {"PYTHONPYCACHEPREFIX": str(cache_dir), "PYTHONDONTWRITEBYTECODE": ""}


def _phases(stderr: str) -> list[tuple[str, float]]:
    """(phase, seconds since exec) from the `startup` lines of a serve process."""
    out = []
    for line in stderr.splitlines():
        parts = line.split(None, 4)
        if len(parts) == 5 and parts[0] == "startup" and parts[2] == "s":
            out.append((parts[4], float(parts[1])))
    return out


def _health(port: int, timeout: float = 0.5) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=timeout) as r:
            return r.status
    except OSError:
        return 0


class Serve:
    """`python -m server serve` in a subprocess on the app core; stopped by PID (SIGTERM)."""

    def __init__(self, data_dir: Path, database_url: str | None = None,
                 extra_env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.extra_env = extra_env
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready_seconds = float("nan")
        self.phases: list[tuple[str, float]] = []

    def start(self, timeout: float = 60.0) -> Serve:
        cmd = [*taskset_prefix(APP_CORE), sys.executable, "-m", "server", "serve",
               "--port", str(self.port)]
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=str(REPO_DIR),
                                     env=_env(self.data_dir, self.database_url, self.extra_env),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = t0 + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"commonhold serve exited: {err.strip()[-500:]}")
            if _health(self.port, 0.2) == 200:
                self.ready_seconds = time.perf_counter() - t0
                return self
            time.sleep(0.005)
        self.stop()
        raise RuntimeError("commonhold serve did not answer /health in time")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> float:
        if self.proc is None or self.proc.poll() is not None:
            return 0.0
        t0 = time.perf_counter()
        stop_process(self.proc)
        took = time.perf_counter() - t0
        if self.proc.stderr is not None:
            self.phases = _phases(self.proc.stderr.read().decode(errors="replace"))
        return took


async def _embedded_starts(runs: int) -> dict[str, list[float]]:
    from server.db.embedded import EmbeddedPostgres

    out: dict[str, list[float]] = {"cold": [], "warm": [], "stop": []}
    for _ in range(runs):
        scratch = Path(tempfile.mkdtemp(prefix="commonhold-bench-w8-"))
        try:
            pg = EmbeddedPostgres(scratch)
            t0 = time.perf_counter()
            await pg.start()
            out["cold"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await pg.stop()
            out["stop"].append(time.perf_counter() - t0)
            pg = EmbeddedPostgres(scratch)
            t0 = time.perf_counter()
            await pg.start()
            out["warm"].append(time.perf_counter() - t0)
            await pg.stop()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return out


def _import_seconds(runs: int, env: dict[str, str] | None = None) -> list[float]:
    out = []
    code = "import time; t=time.perf_counter(); import server.app, server.runtime; print(time.perf_counter()-t)"
    for _ in range(runs):
        r = subprocess.run([sys.executable, "-c", code], cwd=str(REPO_DIR), capture_output=True,
                           text=True, timeout=60, env={**os.environ, **(env or {})})
        out.append(float(r.stdout.strip()))
    return out


def _peak_rss_during(pid: int, stop: threading.Event, into: list[float]) -> None:
    while not stop.is_set():
        into.append(proc_rss_mib(pid))
        time.sleep(0.05)


def run(*, quick: bool) -> Result:
    runs = runs_for(quick, full=5, fast=3)
    duration = 3.0 if quick else 5.0
    res = Result("w8_footprint", params={"runs": runs, "load_seconds": duration})
    say("  W8: embedded PostgreSQL cold/warm starts ...")
    starts = asyncio.run(_embedded_starts(runs))
    m_cold = res.metric("pg_cold_start_s", starts["cold"], "s")
    m_warm = res.metric("pg_warm_start_s", starts["warm"], "s")
    m_stop = res.metric("pg_stop_s", starts["stop"], "s")
    m_imp = res.metric("import_s", _import_seconds(runs), "s")
    pycache = Path(tempfile.mkdtemp(prefix="commonhold-bench-pycache-"))
    _import_seconds(1, _bytecode_env(pycache))   # fills the cache
    m_imp_pyc = res.metric("import_bytecode_cached_s", _import_seconds(runs, _bytecode_env(pycache)),
                           "s")

    data_dir = Path(tempfile.mkdtemp(prefix="commonhold-bench-serve-"))
    rows_http: list[list[Any]] = []
    try:
        say("  W8: preparing the data dir (commonhold migrate) ...")
        subprocess.run([sys.executable, "-m", "server", "migrate"], cwd=str(REPO_DIR),
                       env=_env(data_dir), check=True, capture_output=True, timeout=120)
        ready, stop_s, rss_idle, ready_pyc = [], [], [], []
        phases: dict[str, list[float]] = {}
        phases_pyc: dict[str, list[float]] = {}
        Serve(data_dir, extra_env=_bytecode_env(pycache)).start().stop()   # the rest of the cache
        for _ in range(runs):
            s = Serve(data_dir).start()
            time.sleep(1.0)
            rss_idle.append(proc_rss_mib(s.pid))
            ready.append(s.ready_seconds)
            stop_s.append(s.stop())
            for name, at in s.phases:
                phases.setdefault(name, []).append(at)
            s = Serve(data_dir, extra_env=_bytecode_env(pycache)).start()
            ready_pyc.append(s.ready_seconds)
            s.stop()
            for name, at in s.phases:
                phases_pyc.setdefault(name, []).append(at)
        m_ready = res.metric("serve_ready_embedded_s", ready, "s")
        m_ready_pyc = res.metric("serve_ready_embedded_bytecode_cached_s", ready_pyc, "s")
        m_rss = res.metric("serve_rss_idle_mib", rss_idle, "MiB")
        m_sstop = res.metric("serve_stop_s", stop_s, "s")
        # The app alone: the embedded server is already running; serve joins it by DATABASE_URL.
        from server.db.embedded import EmbeddedPostgres

        async def start_pg() -> tuple[EmbeddedPostgres, str]:
            pg = EmbeddedPostgres(data_dir)
            return pg, await pg.start()

        pg, dsn = asyncio.run(start_pg())
        try:
            ready_ext = []
            for _ in range(runs):
                s = Serve(data_dir, database_url=dsn).start()
                ready_ext.append(s.ready_seconds)
                s.stop()
            m_ready_ext = res.metric("serve_ready_external_s", ready_ext, "s")
            say("  W8: /health under load vs hello world ...")
            s = Serve(data_dir, database_url=dsn).start()
            try:
                time.sleep(0.5)
                peak: list[float] = []
                stop_ev = threading.Event()
                th = threading.Thread(target=_peak_rss_during, args=(s.pid, stop_ev, peak))
                th.start()
                health = measure_endpoint(f"http://127.0.0.1:{s.port}/health", s.pid, runs=runs,
                                          duration=duration)
                stop_ev.set()
                th.join()
                m_rss_load = res.metric("serve_rss_loaded_mib", max(peak), "MiB")
            finally:
                s.stop()
            with HelloServer() as hello:
                base = measure_endpoint(hello.url, hello.pid, runs=runs, duration=duration)
                hello_rss = proc_rss_mib(hello.pid)
        finally:
            asyncio.run(pg.stop())
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(pycache, ignore_errors=True)

    for label, d in (("aiohttp hello world", base), ("commonhold /health (SELECT 1)", health)):
        key = "hello" if d is base else "health"
        a = res.metric(f"{key}.rps", d["rps"], "req/s")
        b = res.metric(f"{key}.cpu_us", d["cpu_us"], "µs/req")
        c = res.metric(f"{key}.open_p50_ms", d["p50_ms"], "ms")
        e = res.metric(f"{key}.open_p99_ms", d["p99_ms"], "ms")
        rate = d["open"][0]["rate"] if d["open"] else 0
        rows_http.append([label, d["tool"], mmm(a), mmm(b), f"{rate:,.0f}", mmm(c), mmm(e)])
    res.ratios["w8.health_over_hello_rps"] = res.metrics["health.rps"]["median"] / \
        res.metrics["hello.rps"]["median"]
    res.ratios["w8.hello_over_health_cpu"] = res.metrics["hello.cpu_us"]["median"] / \
        res.metrics["health.cpu_us"]["median"]
    res.table(["figure", "median (min–max)", "target"], [
        ["embedded PostgreSQL cold start (initdb + start + CREATE DATABASE), s", mmm(m_cold), ""],
        ["embedded PostgreSQL warm start, s", mmm(m_warm), ""],
        ["embedded PostgreSQL stop, s", mmm(m_stop), ""],
        ["`import server.app`, s", mmm(m_imp), ""],
        ["`import server.app`, bytecode cached, s", mmm(m_imp_pyc), ""],
        ["`commonhold serve` start → first /health 200 (warm embedded DB), s", mmm(m_ready), "≤ 1 s"],
        ["the same, bytecode cached, s", mmm(m_ready_pyc), "≤ 1 s"],
        ["`commonhold serve` start → first /health 200 (DATABASE_URL, PG running), s",
         mmm(m_ready_ext), ""],
        ["`commonhold serve` stop (SIGTERM → exit), s", mmm(m_sstop), ""],
        ["RSS idle (serve process, after 1 s), MiB", mmm(m_rss), "≤ 150"],
        ["RSS peak under /health load, MiB", mmm(m_rss_load), "≤ 150"],
        ["RSS hello-world baseline process, MiB", f"{hello_rss:.1f}", ""],
    ], title="W8 footprint and start-up")
    res.table(["phase ended", "s since exec (median)", "bytecode cached"],
              [[name, f"{statistics.median(at):.3f}",
                f"{statistics.median(phases_pyc[name]):.3f}" if name in phases_pyc else "–"]
               for name, at in phases.items()],
              title="`commonhold serve` start-up phases (warm embedded DB, COMMONHOLD_STARTUP_TIMES)")
    res.table(["endpoint", "load tool", "req/s (saturation)", "server CPU µs/req",
               "open-loop rate", "p50 ms", "p99 ms"], rows_http,
              title="HTTP baseline (server on the app core, load on the other)")
    res.notes.append(f"health/hello req/s ratio {res.ratios['w8.health_over_hello_rps']:.2f}")
    return res


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    res = run(quick=args.quick)
    res.write()
    print("\n\n".join(res.tables))


if __name__ == "__main__":
    main()
