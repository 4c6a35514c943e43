"""W6's latency tail, taken apart request by request: the W6 open loop (home timeline, first
and `max_id` pages) at a fixed rate, several passes, with every request's time split from
when it was due to when its answer was read.

Each request carries its number (`X-Bench-Seq`); the app (bench/reqtimes.py with
BENCH_REQ_SCHED) records its monotonic times and what the scheduler saw, and the generator
its own, on the same clock. Per request:

- gen late: the generator sent it after it was due (its own delays: it shares the load core
  with PostgreSQL);
- inbound: from sent until the app's loop read its bytes (the kernel, and the loop busy or
  the app's thread waiting for its core);
- queue: from read until its handler started (the loop busy with others);
- pool: waiting for a pool connection;
- PG CPU / PG runq: its statements' backend on a CPU / runnable but waiting for the load
  core (schedstat of the backend over each statement); sql other: the rest of the time spent
  awaiting statements (round trips, the app's loop getting to the answer);
- own: the handler's own time (CPU, and the loop running other requests in between);
- write; outbound: from written until the generator read the answer (the generator's loop);
- next to them, over the request's life: the app's loop thread's CPU and its run-queue wait.

Reported as the mean of each part for the requests around the client's p50 (p45–p55), around
its p99 (p98.5–p99.5) and for the slowest 1 %, per pass, with the load average, the cores'
use by other processes, and the run-queue waits of the app, PostgreSQL and the generator
(w1_tail's snapshot). Then, per pass, when its slow requests happened and what else ran
then (bench/scenarios/w6_moments.py: checkpoints, autovacuum, steal, other processes).
The database is brought to steady state after seeding unless `--fresh` (see w6_home_timeline).

    python -m bench.scenarios.w6_tail --rate 800 --passes 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import looplag, reqtimes
from bench.common import LOAD_CORE, pin_self, say
from bench.db import BenchPostgres
from bench.load import rawhttp
from bench.load.openloop import open_loop
from bench.scenarios import w6_moments
from bench.scenarios.api_common import ApiApp, wrk_get
from bench.scenarios.w1_tail import Snapshot, _diff
from bench.scenarios.w6_home_timeline import setup

PARTS = ("gen_late", "inbound", "queue", "pool", "pg_cpu", "pg_runq", "sql_other", "own",
         "write", "outbound")
BESIDE = ("app_cpu", "app_runq", "statements")


def _targets(port: int, pairs: list[tuple[str, str]], total: int) -> list[tuple[str, str, None,
                                                                            dict[str, str]]]:
    """Request i is pairs[i % len(pairs)] with its own number."""
    return [("GET", f"http://127.0.0.1:{port}{pairs[i % len(pairs)][0]}", None,
             {"Authorization": f"Bearer {pairs[i % len(pairs)][1]}", "X-Bench-Seq": str(i)})
            for i in range(total)]


def _open_pass(port: int, pairs: list[tuple[str, str]], rate: float, duration: float,
               pass_id: int) -> tuple[dict[str, Any], dict[int, tuple[float, float, float]]]:
    """One open-loop pass: the generator's summary and, per request number, (due, sent,
    read). Numbers are offset by pass so the app's records of passes stay apart."""
    total = int(rate * duration)
    base = pass_id * 1_000_000
    sent: dict[int, float] = {}
    done: dict[int, tuple[float, float]] = {}
    clock = time.perf_counter
    original = rawhttp._Connection.send

    def send(self: Any, i: int, due: float, data: bytes) -> None:
        sent[i] = clock()
        original(self, i, due, data)

    def on_done(i: int, due: float, status: int) -> None:
        done[i] = (due, clock())

    targets = _targets(port, pairs, total)
    for t in targets:
        t[3]["X-Bench-Seq"] = str(base + int(t[3]["X-Bench-Seq"]))
    rawhttp._Connection.send = send  # type: ignore[method-assign]
    try:
        out = asyncio.run(open_loop(f"http://127.0.0.1:{port}/", rate=rate, duration=duration,
                                    targets=targets, max_in_flight=512, on_done=on_done))
    finally:
        rawhttp._Connection.send = original  # type: ignore[method-assign]
    return out, {base + i: (due, sent.get(i, due), read) for i, (due, read) in done.items()}


def _app_records(path: Path) -> dict[int, list[Any]]:
    out = {}
    for n, line in enumerate(path.read_text().splitlines()):
        if n == 0:
            continue
        r = json.loads(line)
        if len(r) > 9 and r[9] is not None:
            out[int(r[9])] = r
    return out


def split(client: dict[int, tuple[float, float, float]],
          app: dict[int, list[Any]]) -> list[dict[str, float]]:
    """Each answered request's parts in ms, with its latency from when it was due."""
    rows = []
    for seq, (due, sent, read) in client.items():
        r = app.get(seq)
        if r is None:
            continue
        (_, queue, acquire, sql, statements, own, write, _, _, _, arrived, _, done,
         app_cpu, app_runq, pg_cpu, pg_runq) = r
        pg_cpu, pg_runq = pg_cpu / 1e9, pg_runq / 1e9
        parts = {"total": read - due, "gen_late": sent - due, "inbound": arrived - sent,
                 "queue": queue, "pool": acquire, "pg_cpu": pg_cpu, "pg_runq": pg_runq,
                 "sql_other": sql - pg_cpu - pg_runq, "own": own, "write": write,
                 "outbound": read - done, "app_cpu": app_cpu / 1e9, "app_runq": app_runq / 1e9}
        row = {k: v * 1000 for k, v in parts.items()}
        row["statements"] = statements
        rows.append(row)
    return rows


def bands(rows: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Mean parts of the requests around p50, around p99, and of the slowest 1 %."""
    rows = sorted(rows, key=lambda r: r["total"])
    n = len(rows)
    out = {}
    for name, lo, hi in (("p50", 0.45, 0.55), ("p99", 0.985, 0.995), ("slowest 1%", 0.99, 1.0)):
        sel = rows[int(lo * n):max(int(hi * n), int(lo * n) + 1)]
        out[name] = {k: sum(r[k] for r in sel) / len(sel) for k in ("total", *PARTS, *BESIDE)}
        out[name]["n"] = len(sel)
    return out


def run(rate: float | None, passes: int, duration: float, size: str, out: Path,
        stalls: bool, fresh: bool = False) -> list[dict[str, Any]]:
    pin_self(LOAD_CORE)
    work = Path(tempfile.mkdtemp(prefix="commonhold-bench-w6tail-"))
    req_file, lag_file = work / "req", work / "lag"
    os.environ[reqtimes.ENV] = str(req_file)
    os.environ[reqtimes.SCHED_ENV] = "1"
    if stalls:
        os.environ[looplag.ENV] = str(lag_file)
    results: list[dict[str, Any]] = []
    clients: list[dict[int, tuple[float, float, float]]] = []
    samples = work / "moments.jsonl"
    log: list[Path | None] = [None]   # the server's log, once it has started
    to_wall = time.time() - time.perf_counter()

    async def main() -> None:
        nonlocal rate
        async with BenchPostgres() as pg:
            dsn, pairs, _ = await setup(pg, size, vacuum=not fresh)
            log[0] = pg.log_path
            if log[0] is not None:   # the embedded server's: never another server's settings
                await w6_moments.log_maintenance(dsn)
            with ApiApp(dsn) as app, w6_moments.Moments(samples, app.pid, pg.postmaster_pid):
                snap = Snapshot(app.pid, pg.postmaster_pid)
                say("  W6 tail: warm-up ...")
                await asyncio.to_thread(wrk_get, app.port, pairs, duration=2)
                if rate is None:
                    pg.pin()
                    sat = await asyncio.to_thread(wrk_get, app.port, pairs, duration=3)
                    rate = sat["rps"] / 2
                    say(f"  W6 tail: saturation {sat['rps']:,.0f}/s (instrumented app), "
                        f"half {rate:,.0f}/s")
                for p in range(passes):
                    pg.pin()
                    s0 = snap.take()
                    ol, client = await asyncio.to_thread(_open_pass, app.port, pairs, rate,
                                                         duration, p)
                    s1 = snap.take()
                    clients.append(client)
                    d = _diff(s0, s1)
                    results.append({"rate": rate, "pass": p, "t0": s0["wall"], "t1": s1["wall"],
                                    "client": {k: ol[k] for k in (
                                        "p50_ms", "p99_ms", "p999_ms", "max_ms", "achieved_rps",
                                        "send_late_p99_ms", "generator_cpu_s", "non_2xx",
                                        "errors")}, "cpu": d})
                    say(f"    {rate:,.0f}/s pass {p}: p50 {ol['p50_ms']:.2f} p99 "
                        f"{ol['p99_ms']:.2f} ms; load {d['load']:.1f}")
            await pg.drop_database(dsn)

    try:
        asyncio.run(main())
    finally:
        for k in (reqtimes.ENV, reqtimes.SCHED_ENV, looplag.ENV):
            os.environ.pop(k, None)
    app_recs = _app_records(req_file)
    for rec, client in zip(results, clients, strict=True):
        rows = split(client, app_recs)
        rec["joined"] = len(rows)
        rec["bands"] = bands(rows) if rows else {}
        if stalls:
            rec["loop"] = looplag.summarise(lag_file, rec["t0"], rec["t1"])
        rec["moments"] = w6_moments.analyse(
            f"pass {rec['pass']}", [((read - due) * 1000, due + to_wall, max(0.0, sent - due) * 1000)
                                    for due, sent, read in client.values()],
            samples, w6_moments.pg_events(log[0]), lag_file if stalls else None)
    out.write_text(json.dumps(results, indent=1))
    show(results)
    return results


def show(results: list[dict[str, Any]]) -> None:
    head = ["band", "n", "total", *PARTS, "| app cpu", "app runq", "stmts"]
    for rec in results:
        c, cpu = rec["client"], rec["cpu"]
        print(f"\n{rec['rate']:,.0f}/s pass {rec['pass']}: client p50 {c['p50_ms']:.2f} p99 "
              f"{c['p99_ms']:.2f} p99.9 {c['p999_ms']:.2f} ms, {rec['joined']:,} joined; load "
              f"{cpu['load']:.2f}; core0 busy {cpu['core0_busy']:.0%} (others "
              f"{cpu['core0_others']:.0%}), core1 busy {cpu['core1_busy']:.0%} (others "
              f"{cpu['core1_others']:.0%}); runq waits per s: app "
              f"{cpu['app_wait'] / cpu['wall'] * 1000:.0f} ms, PG "
              f"{cpu['pg_wait'] / cpu['wall'] * 1000:.0f} ms, generator "
              f"{cpu['me_wait'] / cpu['wall'] * 1000:.0f} ms; generator CPU "
              f"{c['generator_cpu_s']:.2f} s" + (f"; loop {rec['loop']}" if "loop" in rec else ""))
        print("  " + " ".join(f"{h:>10}" for h in head))
        for name, b in rec["bands"].items():
            cells = [f"{b[k]:10.3f}" for k in ("total", *PARTS)]
            print(f"  {name:>10} {b['n']:>10} " + " ".join(cells) + " |"
                  + " ".join(f"{b[k]:9.3f}" for k in BESIDE))
        rows = w6_moments.table_rows(rec["moments"])
        print("  " + " | ".join(w6_moments.TABLE_HEAD))
        for row in rows:
            print("  " + " | ".join(str(c) for c in row))
        print("  PostgreSQL log: " + ("; ".join(rec["moments"].get("pg_events", [])) or "–"))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rate", type=float, help="requests/s (default: half an instrumented "
                                              "saturation run)")
    p.add_argument("--passes", type=int, default=3)
    p.add_argument("--duration", type=float, default=5.0)
    p.add_argument("--size", default="S")
    p.add_argument("--stalls", action="store_true", help="the loop-stall monitor too")
    p.add_argument("--fresh", action="store_true",
                   help="no VACUUM (ANALYZE) and CHECKPOINT after seeding (see w6_home_timeline)")
    p.add_argument("--out", type=Path, default=Path("/tmp/w6_tail.json"))
    args = p.parse_args(argv)
    run(args.rate, args.passes, args.duration, args.size, args.out, args.stalls, args.fresh)


if __name__ == "__main__":
    main()
