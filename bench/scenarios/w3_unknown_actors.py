"""W3, unknown actors: W1's mix where every 10th activity comes from an actor the app has
never seen, whose key it must fetch from the fake fleet (bench/fakes/fleet.py, TLS, 200 ms
per actor document). Each of those actors is new (a fresh name per activity), so every one
costs a fetch. Known-actor throughput = stored rows from known actors / run time, first with
pure W1 traffic (all known), then with the mix, both at saturation with wrk and 256
connections, alternated run by run so both see the same machine load. The main figure is the
drop from the first to the second, the first taken for the same 90 % share of the traffic
(KNOWN_SHARE of its rate, see _drop): BENCH.md's metric is the throughput of the known
90 %, and in the all-known run the slots the new actors take in the mix carry known
senders too. (Against the whole all-known rate, printed as well, a new actor that cost no
more than a known one would still show a 10 % drop.) Beside it: new actors' lag from
acceptance to verification (w3_lag.py) and the 503s, as a lane that yields under load
keeps the known rate by making new actors wait; and the same pair open loop at W1's
1,000/s, where the known senders' offered 900/s should all go through. Beside it, the same mix once more with the fleet
answering actor documents at once: the drop from that run to the slow one is the part the
key servers' slowness causes (head-of-line blocking), the rest is the CPU new actors cost.

Deployments compared (`--modes`, each its own app process on the app core, all started
before the runs and alternated run by run):

- `sync`: the inbox fetches an unknown key inside the POST (`inbox_defer_unknown_keys`
  off): the code before the deferred path, for a before/after in the same minutes.
- `serve`: the default: the POST keeps an unknown key's activity and answers 202; the job
  `federation.verify_inbox_item` fetches and verifies it in the SAME process (32 slots),
  as `commonhold serve` runs web and workers together; its lane yields to the web side
  when that is saturated (unverified/slots.py: 2 slots then).
- `serve0`: `serve` with a plain worker for the verify jobs (32 slots whatever the load):
  the lane before it yielded, for a before/after in the same minutes.
- `split`: the web process as under `commonhold web`; the verify jobs in a second process
  (`inbox_app --no-web`, as `commonhold worker`) pinned to `--worker-core` (default the
  load core: this box has two cores).

In every mode the inbox's processing jobs stay queued (W1 measures ingest). Unknown-actor
rows reach `inbox_items` only once verified: counted after the run, once the waiting ones
are drained (at most `--drain-seconds`). Fetch concurrency is the fleet's peak of actor
GETs in flight (keyring.MAX_CONCURRENT_FETCHES at once per process).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import APP_CORE, LOAD_CORE, Result, pg_meter, pin_self, process_meter, \
    runs_for, say, spawn_app, stop_process, taskset_prefix
from bench.db import BenchPostgres
from bench.fakes.fleet import FleetProcess
from bench.scenarios.inbox_common import (
    Meters,
    key_pool,
    mixed_specs,
    now_tag,
    open_inbox,
    saturate_inbox,
    sign_all,
)
from bench.scenarios import w3_trace
from bench.scenarios.w3_cpu import CoreMeter
from bench.scenarios.w3_lag import LagSampler
from bench.scenarios.w3_report import CONNECTIONS, NEW_ACTORS, NEW_AT_ONCE, UNKNOWN_EVERY
from bench.scenarios.w3_report import report as _report
from bench.scenarios.w1_inbox import SAT_CAP, _setup

VERIFY_KIND = "federation.verify_inbox_item"
MODES = ("sync", "serve0", "serve", "split")
OPEN_RATE = 1000.0  # W1's offered rate, open loop
# (label, every n-th from a new actor, open-loop rate or None for saturation)
# --trace DIR: each app's w3_trace file there, and the runs' windows (mode, run, start, end
# on the monotonic clock, which all processes share), for trace_report.
TRACE_DIR: str | None = None
WINDOWS: list[tuple[str, str, float, float]] = []
RUNS = (("known", 0, None), ("mixed", UNKNOWN_EVERY, None), ("mixed_instant", UNKNOWN_EVERY, None),
        ("open_known", 0, OPEN_RATE), ("open_mixed", UNKNOWN_EVERY, OPEN_RATE))


class W3App:
    """The web process (and, for `split`, the worker process) of one mode; stopped by PID."""

    def __init__(self, mode: str, dsn: str, fleet: FleetProcess, cert_dir: Path,
                 worker_core: int, profile: str | None = None) -> None:
        self.mode, self.dsn, self.fleet, self.worker_core = mode, dsn, fleet, worker_core
        self.profile = ["--profile", profile] if profile else []
        self.cert = cert_dir / "cert.pem"
        self.cert.write_text(fleet.cert_pem or "")
        self.web: Any = None
        self.worker: Any = None
        self.port = 0

    def _cmd(self, core: int, *extra: str) -> list[str]:
        return [*taskset_prefix(core), sys.executable, "-m", "bench.scenarios.inbox_app",
                "--dsn", self.dsn, "--max-seconds", "1800",
                "--fleet-ports", ",".join(map(str, self.fleet.ports)),
                "--cert-file", str(self.cert), *extra]

    def __enter__(self) -> W3App:
        if TRACE_DIR:  # see w3_trace: read by the processes started below
            os.environ[w3_trace.ENV] = str(Path(TRACE_DIR) / f"{self.mode}.json")
        if self.mode == "sync":
            self.web, self.port = spawn_app(self._cmd(APP_CORE, "--workers", "0", "--sync-keys"),
                                            "inbox_app")
        elif self.mode in ("serve", "serve0"):
            plain = ["--no-yield"] if self.mode == "serve0" else []
            self.web, self.port = spawn_app(self._cmd(APP_CORE, "--workers", "32", *plain,
                                                      "--only-kinds", VERIFY_KIND), "inbox_app")
        else:
            self.web, self.port = spawn_app(self._cmd(APP_CORE, "--workers", "0"), "inbox_app")
            if TRACE_DIR:
                os.environ[w3_trace.ENV] = str(Path(TRACE_DIR) / f"{self.mode}-worker.json")
            self.worker, _ = spawn_app(self._cmd(self.worker_core, "--no-web", "--workers", "32",
                                                 "--only-kinds", VERIFY_KIND, *self.profile),
                                       "inbox worker")
        return self

    def __exit__(self, *exc: object) -> None:
        stop_process(self.web)
        if self.worker is not None:
            stop_process(self.worker)


async def _forget_processing_jobs(dsn: str) -> None:
    """W1 and W3 measure ingest: the inbox's processing jobs are never run here. Left queued,
    tens of thousands of them would make every claim of the verify workers step over them
    (the claim walks ready jobs in run_at order), a cost no deployment that processes its
    inbox pays; so they are deleted before each measurement."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DELETE FROM jobs WHERE kind = 'federation.process_inbox_item'")
    finally:
        await conn.close()


async def _counts(dsn: str) -> tuple[int, int, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE actor_uri LIKE 'https://k%') AS known, "
            "count(*) FILTER (WHERE actor_uri LIKE 'https://r%') AS unknown, "
            "(SELECT count(*) FROM inbox_unverified) AS waiting FROM inbox_items")
        return row["known"], row["unknown"], row["waiting"]
    finally:
        await conn.close()


def _drain(dsn: str, limit: float) -> float:
    """Seconds until nothing waits for its key (or `limit`)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < limit:
        if asyncio.run(_counts(dsn))[2] == 0:
            break
        time.sleep(0.1)
    return time.perf_counter() - t0


def _run(app: W3App, dsn: str, pg: BenchPostgres, *, duration: float, n_actors: int,
         unknown_every: int, drain: float, out: dict[str, list[float]],
         rate: float | None = None) -> None:
    """One run at saturation (wrk, `CONNECTIONS`), or open loop at `rate`/s."""
    tag = f"{app.mode[:2]}{'u' if unknown_every else 'k'}{now_tag()}"
    specs = mixed_specs(int((rate or SAT_CAP) * duration), n_actors, tag,
                        unknown_every=unknown_every, n_unknown=10**9)
    # fresh unknown actors per run: put the run tag in their names
    specs = [(k, a.replace("/users/n", f"/users/n{tag}x") if "/users/n" in a else a, i, t)
             for k, a, i, t in specs]
    signed = sign_all(specs)
    asyncio.run(_forget_processing_jobs(dsn))
    k0, u0, _ = asyncio.run(_counts(dsn))
    pg.pin()
    worker = process_meter(app.worker.pid) if app.worker is not None else None
    if worker:
        worker.start()
    web_all = process_meter(app.web.pid)  # the run and the drain after it
    web_all.start()
    with LagSampler(dsn) as lag:
        cores = CoreMeter(web_pid=app.web.pid, pg_pid=pg.postmaster_pid,
                          fleet_pid=app.fleet.pid, worker_pid=app.worker.pid if app.worker
                          else None, worker_core=app.worker_core)
        with Meters(app.web.pid, pg.postmaster_pid) as m:
            cores.start()
            w0 = time.monotonic()
            if rate is None:
                sat = saturate_inbox(app.port, signed, duration=duration,
                                     connections=CONNECTIONS)
            else:
                sat = open_inbox(app.port, signed, rate=rate, duration=duration)
            WINDOWS.append((app.mode, f"{'open ' if rate else ''}"
                            f"{'mixed' if unknown_every else 'known'}", w0, time.monotonic()))
            cores.stop()
        k1, u1, waiting = asyncio.run(_counts(dsn))
        drained = _drain(dsn, drain) if unknown_every else 0.0
    _, u2, left = asyncio.run(_counts(dsn))
    worker_s = worker.stop() if worker else 0.0
    web_all_s = web_all.stop()
    out.setdefault("web_all_us", []).append(web_all_s / max(k1 - k0 + u2 - u0, 1) * 1e6)
    out.setdefault("known_s", []).append((k1 - k0) / duration)
    out.setdefault("unknown_in_run_s", []).append((u1 - u0) / duration)
    out.setdefault("unknown_total", []).append(u2 - u0)
    out.setdefault("waiting_at_end", []).append(waiting)
    out.setdefault("left_after_drain", []).append(left)
    out.setdefault("drain_s", []).append(drained)
    for name, value in lag.figures(u2 - u0).items():
        out.setdefault(name, []).append(value)
    out.setdefault("app_us", []).append(m.out["app_s"] / max(k1 - k0 + u1 - u0 + waiting, 1) * 1e6)
    out.setdefault("pg_us", []).append(m.out["pg_s"] / max(k1 - k0 + u1 - u0 + waiting, 1) * 1e6)
    if worker and u2 - u0:
        out.setdefault("worker_us_per_unknown", []).append(worker_s / (u2 - u0) * 1e6)
    non_2xx = sat.get("non_2xx", 0) + sat.get("errors", 0)
    out.setdefault("non_2xx", []).append(non_2xx)
    say(f"    {app.mode} {'mixed' if unknown_every else 'known'}"
        f"{f' open {rate:,.0f}/s' if rate else ''}: known {(k1 - k0) / duration:,.0f}/s,"
        f" unknown {u1 - u0} in run + {u2 - u1} after ({drained:.1f} s), lag max "
        f"{out['lag_max_s'][-1]:.1f} s mean {out['lag_mean_s'][-1]:.1f} s, "
        f"app {out['app_us'][-1]:,.0f} µs/act, non-2xx {non_2xx}")
    for name, value in cores.out.items():
        out.setdefault(f"cpu_{name}", []).append(value)
    say(f"      {cores.line()}; PG {out['pg_us'][-1]:,.0f} µs/act")


async def _post_all(port: int, signed: list[Any], concurrency: int) -> dict[int, int]:
    import aiohttp

    gate = asyncio.Semaphore(concurrency)
    statuses: dict[int, int] = {}

    async def one(session: aiohttp.ClientSession, s: Any) -> None:
        async with gate:
            async with session.post(f"http://127.0.0.1:{port}/inbox", data=s.body,
                                    headers=s.headers) as resp:
                await resp.read()
                statuses[resp.status] = statuses.get(resp.status, 0) + 1

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        await asyncio.gather(*(one(session, s) for s in signed))
    return statuses


def _new_actor_cost(app: W3App, dsn: str, pg: BenchPostgres, *, n: int, drain: float,
                    out: dict[str, list[float]]) -> None:
    """n activities, each from a brand-new actor, `NEW_AT_ONCE` in flight: the CPU one new
    actor costs the web process (and the worker process), until every one is stored."""
    tag = f"{app.mode[:2]}n{now_tag()}"
    specs = mixed_specs(n, 1, tag, unknown_every=1, n_unknown=10**9)
    specs = [(k, a.replace("/users/n", f"/users/n{tag}x"), i, t) for k, a, i, t in specs]
    signed = sign_all(specs)
    asyncio.run(_forget_processing_jobs(dsn))
    _, u0, _ = asyncio.run(_counts(dsn))
    pg.pin()
    worker = process_meter(app.worker.pid) if app.worker is not None else None
    web = process_meter(app.web.pid)
    pgm = pg_meter(pg.postmaster_pid)
    for meter in (worker, web, pgm):
        if meter:
            meter.start()
    t0 = time.perf_counter()
    statuses = asyncio.run(_post_all(app.port, signed, NEW_AT_ONCE))
    answered = time.perf_counter() - t0
    _drain(dsn, drain)
    done = time.perf_counter() - t0
    web_s = web.stop()
    worker_s = worker.stop() if worker else 0.0
    pg_s = pgm.stop() if pgm else float("nan")
    _, u1, _ = asyncio.run(_counts(dsn))
    stored = max(u1 - u0, 1)
    out.setdefault("web_us", []).append(web_s / stored * 1e6)
    out.setdefault("worker_us", []).append(worker_s / stored * 1e6)
    out.setdefault("pg_us", []).append(pg_s / stored * 1e6)
    out.setdefault("answered_s", []).append(answered)
    out.setdefault("stored_s", []).append(done)
    out.setdefault("stored", []).append(u1 - u0)
    say(f"    {app.mode} new actors only: {u1 - u0}/{n} stored, answers {statuses}, all answered "
        f"{answered:.2f} s, stored {done:.2f} s, web {web_s / stored * 1e6:,.0f} µs, worker "
        f"{worker_s / stored * 1e6:,.0f} µs, PG {pg_s / stored * 1e6:,.0f} µs per new actor")


def run(*, quick: bool, n_actors: int, latency_ms: float, modes: list[str],
        worker_core: int, drain: float, profile_worker: str | None = None,
        open_rate: float = OPEN_RATE, runs: int | None = None,
        duration: float | None = None) -> Result:
    import tempfile

    runs = runs or runs_for(quick, full=5, fast=2)
    duration = duration or (3.0 if quick else 5.0)
    res = Result("w3_unknown_actors", params={"runs": runs, "duration_s": duration,
                                              "fetch_latency_ms": latency_ms, "modes": modes,
                                              "worker_core": worker_core,
                                              "connections": CONNECTIONS})
    pin_self(LOAD_CORE)
    out: dict[str, dict[str, dict[str, list[float]]]] = {}

    async def main() -> dict[str, Any]:
        async with BenchPostgres() as pg:
            # One database per mode: every process with job workers claims from its own
            # database's queue, so no mode's worker verifies another mode's POSTs.
            dsns = {mode: await _setup(pg, n_actors, f"w3{mode}") for mode in modes}
            # three modes alternated on a busy machine can outlast the fleet's default 15 min
            async with FleetProcess(tls=True, fetch_latency_ms=latency_ms, max_seconds=3600,
                                    actor_public_pem=key_pool()[0][1]) as fleet:
                with tempfile.TemporaryDirectory(prefix="commonhold-bench-w3-") as d:
                    apps = [W3App(mode, dsns[mode], fleet, Path(d), worker_core, profile_worker)
                            for mode in modes]
                    for app in apps:
                        app.__enter__()
                    try:
                        for app in apps:
                            say(f"  W3 {app.mode}: warm-up (known and unknown) ...")
                            await asyncio.to_thread(_run, app, app.dsn, pg, duration=1.0,
                                                    n_actors=n_actors, unknown_every=10,
                                                    drain=drain, out={})
                        await fleet.reset()
                        for _ in range(runs):  # alternate: every mode sees the same load
                            for app in apps:
                                await asyncio.to_thread(
                                    _new_actor_cost, app, app.dsn, pg, n=NEW_ACTORS, drain=drain,
                                    out=out.setdefault(app.mode, {}).setdefault("new", {}))
                                for label, every, rate in RUNS:
                                    if rate is not None and not open_rate:
                                        continue
                                    if label == "mixed_instant":
                                        await fleet.set_fetch_latency(0)
                                    await asyncio.to_thread(
                                        _run, app, app.dsn, pg, duration=duration,
                                        n_actors=n_actors, unknown_every=every, drain=drain,
                                        rate=rate and open_rate,
                                        out=out.setdefault(app.mode, {}).setdefault(label, {}))
                                    if label == "mixed_instant":
                                        await fleet.set_fetch_latency(latency_ms)
                        stats = await fleet.stats()
                    finally:
                        for app in apps:
                            app.__exit__(None, None, None)
            for dsn in dsns.values():
                await pg.drop_database(dsn)
            return stats

    fl = asyncio.run(main())
    if TRACE_DIR:
        w3_trace.report(TRACE_DIR, WINDOWS)
    _report(res, out, modes, latency_ms, open_rate, fl)
    return res


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--actors", type=int, default=1000)
    p.add_argument("--latency-ms", type=float, default=200.0)
    p.add_argument("--modes", default=",".join(MODES), help=f"some of {', '.join(MODES)}")
    p.add_argument("--worker-core", type=int, default=LOAD_CORE,
                   help="core of the split mode's worker process")
    p.add_argument("--drain-seconds", type=float, default=15.0)
    p.add_argument("--open-rate", type=float, default=OPEN_RATE,
                   help="open-loop rate of the second pair of runs (0: none)")
    # On a machine others load too, 3 s runs swing by more than the effect measured: more
    # and longer runs (the all-known and mixed runs stay alternated).
    p.add_argument("--runs", type=int, help="runs per case (default 5; 2 with --quick)")
    p.add_argument("--duration", type=float, help="seconds per run (default 5; 3 with --quick)")
    p.add_argument("--profile-worker", help="cProfile (CPU time) of the split worker, to FILE")
    p.add_argument("--trace", help="DIR: the verify lane's decisions and jobs per run "
                   "(w3_trace), printed after the runs")
    args = p.parse_args(argv)
    global TRACE_DIR
    TRACE_DIR = args.trace
    modes = [m for m in args.modes.split(",") if m]
    if not set(modes) <= set(MODES):
        p.error(f"--modes: {', '.join(MODES)}")
    res = run(quick=args.quick, n_actors=args.actors, latency_ms=args.latency_ms, modes=modes,
              worker_core=args.worker_core, drain=args.drain_seconds,
              profile_worker=args.profile_worker, open_rate=args.open_rate, runs=args.runs,
              duration=args.duration)
    res.write()
    print("\n\n".join(res.tables))


if __name__ == "__main__":
    main()
