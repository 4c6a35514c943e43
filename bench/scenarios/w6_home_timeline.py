"""W6, home timeline: `GET /api/v1/timelines/home?limit=20` and the next page (`max_id`),
full Mastodon entities, as every local user of the dataset in turn, against the real app
(api_app: create_app on uvloop, pinned to the app core, job workers off).

Saturation: wrk (closed loop, get_rotating.lua, 32 connections) on the load core, with the
app's and PostgreSQL's CPU time from /proc (µs per request). Latency: the open-loop
generator at half the median saturation rate, the C client (bench/load/openloop.c) where the
machine has a compiler: it shares the load core with PostgreSQL, and the Python one took
~120 µs of it per request, ~15 % of the core at 1,200/s (`--generator python` for that one).
Half the requests are first pages, half second pages. `--profile` adds a run under cProfile (CPU time) and lists the functions with
the most own time. Same-run baseline: the aiohttp hello world.

`--breakdown` splits each request's time inside the app (bench/reqtimes.py: waiting for the
loop, for a pool connection, for its statements, its own work, the write) and counts its
statements; `--stalls` adds the loop-stall monitor (bench/looplag.py) and the full
collections. Both are reported per open-loop run, next to the client's latencies, and cost
the app a little CPU (compare runs with the same flags). `--rate` fixes the open-loop rate
(old and new code then meet the same load on a busy machine). With either diagnostic, the
last autovacuum runs per table are listed with the run they ended in. `--moments` tells,
per open-loop run, when its slow requests happened and what else ran then (checkpoints and
autovacuum from PostgreSQL's log, their processes' CPU and writes, the host's steal, other
processes on the cores, the generator's lateness, the app's loop stalls with `--stalls`):
bench/scenarios/w6_moments.py.

Steady state: after seeding, the database is VACUUMed (ANALYZE) and CHECKPOINTed before
the app starts (the time each took and the buffers written are printed). Without it
(`--fresh`) the runs met the seed's leftovers on the load core: autovacuum of the 1M-row
tables and the checkpoint the seed's WAL set off writing GBs, spread over minutes (dataset
M). A server that has been running has neither pending; its own periodic checkpoints and
vacuums are still in the runs when they fall there.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pstats
import time
import tempfile
from pathlib import Path
from typing import Any

from bench import looplag, reqtimes
from bench.common import LOAD_CORE, Result, mmm, pin_self, runs_for, say
from bench.db import LOCAL_BASE, SIZES, BenchPostgres, seed_dataset
from bench.load.openloop import HelloServer, measure_endpoint
from bench.scenarios.api_common import ApiApp, home_cursors, open_get, seed_tokens, wrk_get
from bench.scenarios.inbox_common import Meters
from bench.scenarios import w6_moments
from bench.scenarios.w6_pgstate import autovacuum_runs, report_maintenance, settle

PATH = "/api/v1/timelines/home?limit=20"


async def setup(pg: BenchPostgres, size: str, *,
                vacuum: bool = False) -> tuple[str, list[tuple[str, str]], dict[str, Any]]:
    import asyncpg

    dsn = await pg.fresh_database("w6")
    conn = await asyncpg.connect(dsn)
    try:
        say(f"  W6: seeding dataset {size} ...")
        counts = await seed_dataset(conn, SIZES[size])
        users = [LOCAL_BASE + i for i in range(SIZES[size].local)]
        tokens = await seed_tokens(conn, users)
        if vacuum:
            counts["settled"] = await settle(conn)
        cursors = await home_cursors(conn, users)
    finally:
        await conn.close()
    pg.pin()
    pairs = []
    for a in users:
        pairs.append((PATH, tokens[a]))
        if a in cursors:
            pairs.append((f"{PATH}&max_id={cursors[a]}", tokens[a]))
    return dsn, pairs, counts


async def check(port: int, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """One first page and one next page answer 200 with 20 statuses and a next link."""
    import aiohttp

    out: dict[str, Any] = {}
    async with aiohttp.ClientSession() as s:
        for p, t in pairs[:2]:
            async with s.get(f"http://127.0.0.1:{port}{p}", headers={"Authorization": f"Bearer {t}"}) as r:
                body = await r.json()
                assert r.status == 200, (r.status, body)
                assert len(body) == 20 and "account" in body[0], body[:1]
                assert 'rel="next"' in r.headers.get("Link", "")
                out[p] = len(await r.read())
    return out


def profile_app(dsn: str, pairs: list[tuple[str, str]], duration: float, top: int = 30) -> list[list[Any]]:
    path = Path(tempfile.mkdtemp(prefix="commonhold-bench-prof-")) / "app.prof"
    with ApiApp(dsn, profile=str(path)) as app:
        wrk_get(app.port, pairs, duration=2)
        app.start_profile()
        sat = wrk_get(app.port, pairs, duration=duration)
    say(f"    profiled run: {sat['rps']:,.0f} req/s under cProfile")
    stats = pstats.Stats(str(path))
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    rows = []
    for (file, line, fn), (cc, nc, tt, ct, _) in sorted(
            stats.stats.items(), key=lambda kv: -kv[1][2])[:top]:  # type: ignore[attr-defined]
        where = file.split("site-packages/")[-1].split("wt-apibench/")[-1]
        rows.append([f"{where}:{line} {fn}", nc, f"{tt / total * 100:.1f} %",
                     f"{ct / total * 100:.1f} %"])
    return rows


def run(*, quick: bool, size: str, profile: bool, hello: bool, runs: int | None = None,
        cache_stats: bool = True, breakdown: bool = False, stalls: bool = False,
        rate: float | None = None, vacuum: bool = False, moments: bool = False,
        generator: str = "c") -> Result:
    runs = runs or runs_for(quick, full=5, fast=2)
    duration = 3.0 if quick else 5.0
    res = Result("w6_home_timeline", params={"runs": runs, "duration_s": duration, "size": size,
                                             "connections": 32, "job_workers": 0})
    pin_self(LOAD_CORE)
    diag_dir = Path(tempfile.mkdtemp(prefix="commonhold-bench-w6-"))
    times_file, lag_file = diag_dir / "requests.jsonl", diag_dir / "loop.lag"
    if breakdown:
        os.environ[reqtimes.ENV] = str(times_file)
    if stalls:
        os.environ[looplag.ENV] = str(lag_file)
    windows: list[tuple[str, float, float]] = []
    timed: list[tuple[str, list[tuple[float, float, float]]]] = []
    samples = diag_dir / "moments.jsonl"
    pg_log: list[Path | None] = [None]
    maintenance: list[tuple[str, str, float]] = []

    async def main() -> None:
        async with BenchPostgres() as pg:
            dsn, pairs, counts = await setup(pg, size, vacuum=vacuum)
            pg_log[0] = pg.log_path
            if moments and pg.log_path is not None:   # never another server's settings
                await w6_moments.log_maintenance(dsn)
            res.params["dataset"] = counts
            res.params["distinct_requests"] = len(pairs)
            base = None
            if hello:
                say("  W6: hello-world baseline ...")
                with HelloServer() as h:
                    base = await asyncio.to_thread(measure_endpoint, h.url, h.pid, runs=1,
                                                   duration=duration)
            sat: dict[str, list[float]] = {"rps": [], "app_us": [], "pg_us": [], "non_2xx": []}
            opn: dict[str, list[float]] = {"p50": [], "p90": [], "p99": [], "achieved": [],
                                           "errors": [], "rate": []}
            stats_file = Path(tempfile.mkdtemp(prefix="commonhold-bench-caches-")) / "caches.json"
            with ApiApp(dsn, cache_stats=str(stats_file) if cache_stats else None) as app, \
                    w6_moments.Moments(samples, app.pid if moments else 0, pg.postmaster_pid,
                                       on=moments):
                res.params["bytes"] = await check(app.port, pairs)
                say("  W6: warm-up ...")
                await asyncio.to_thread(wrk_get, app.port, pairs, duration=2)
                if cache_stats:
                    app.reset_cache_counts()   # hit rates of the measured runs only
                for r in range(runs):
                    pg.pin()
                    t_from = time.time()
                    with Meters(app.pid, pg.postmaster_pid) as m:
                        out = await asyncio.to_thread(wrk_get, app.port, pairs, duration=duration)
                    windows.append((f"saturation {r}", t_from, time.time()))
                    n = max(out["rps"] * m.out["wall_s"], 1)
                    sat["rps"].append(out["rps"])
                    sat["app_us"].append(m.out["app_s"] / n * 1e6)
                    sat["pg_us"].append(m.out["pg_s"] / n * 1e6)
                    sat["non_2xx"].append(out.get("non_2xx", 0))
                    say(f"    saturation run {r}: {out['rps']:,.0f} req/s, app "
                        f"{sat['app_us'][-1]:.0f} µs/req, PG {sat['pg_us'][-1]:.0f} µs/req, "
                        f"non-2xx {out.get('non_2xx', 0)}")
                med = sorted(sat["rps"])[len(sat["rps"]) // 2]
                half = rate or max(50.0, med * 0.5)
                for r in range(runs):
                    t_from = time.time()
                    if moments:
                        ol, reqs = await asyncio.to_thread(w6_moments.timed_open_get, app.port,
                                                           pairs, rate=half, duration=duration)
                        timed.append((f"open loop {r}", reqs))
                    else:
                        ol = await asyncio.to_thread(open_get, app.port, pairs, rate=half,
                                                     duration=duration, generator=generator)
                    res.params["generator"] = ol.get("client", "raw")
                    windows.append((f"open loop {r}", t_from, time.time()))
                    for k, v in (("p50", ol["p50_ms"]), ("p90", ol["p90_ms"]), ("p99", ol["p99_ms"]),
                                 ("achieved", ol["achieved_rps"]),
                                 ("errors", ol["errors"] + ol["non_2xx"]), ("rate", half)):
                        opn[k].append(v)
                    say(f"    open loop {half:,.0f}/s run {r}: p50 {ol['p50_ms']:.2f} ms, p99 "
                        f"{ol['p99_ms']:.2f} ms, achieved {ol['achieved_rps']:,.0f}/s, errors "
                        f"{ol['errors'] + ol['non_2xx']}, late starts {ol['late_starts']}, "
                        f"generator {ol.get('client', 'raw')} "
                        f"{ol.get('generator_cpu_s', 0) / max(ol.get('sent', 1), 1) * 1e6:.0f} "
                        f"µs/req")
            caches = json.loads(stats_file.read_text()) if stats_file.exists() else []
            res.params["caches"] = caches
            prof_rows = []
            if profile:
                say("  W6: cProfile run ...")
                prof_rows = await asyncio.to_thread(profile_app, dsn, pairs, duration)
            if breakdown or stalls:
                maintenance[:] = await autovacuum_runs(dsn)
            await pg.drop_database(dsn)
        report(res, sat, opn, base, prof_rows)
        report_caches(res, res.params["caches"])

    try:
        asyncio.run(main())
    finally:
        os.environ.pop(reqtimes.ENV, None)
        os.environ.pop(looplag.ENV, None)
    if breakdown or stalls:
        report_maintenance(res, maintenance, windows)
    if breakdown:
        report_breakdown(res, times_file, windows)
    if stalls:
        report_stalls(res, lag_file, windows)
    if moments:
        w6_moments.report(res, timed, samples, pg_log[0], lag_file if stalls else None)
    return res


def report_breakdown(res: Result, path: Path, windows: list[tuple[str, float, float]]) -> None:
    """Inside the app, per run: p50 / p99 of each part of a request (ms), statements per
    request, and what the slowest 1 % spent their time on."""
    rows = []
    gc_stats = None
    for name, t0, t1 in windows:
        b = reqtimes.summarise(path, t0, t1)
        gc_stats = b["gc"]
        res.metric(f"{name}.statements_per_request", b["statements"]["mean"], "")
        res.metric(f"{name}.in_app_p50_ms", b["total"]["p50"], "ms")
        res.metric(f"{name}.in_app_p99_ms", b["total"]["p99"], "ms")
        cells = [f"{b[k]['p50']:.2f} / {b[k]['p99']:.2f}"
                 for k in ("total", "queue", "acquire", "sql", "own", "write")]
        slow = b["slowest_1pct"]
        rows.append([name, f"{b['requests']:,}", f"{b['statements']['mean']:.2f}", *cells,
                     f"queue {slow['queue']:.1f}, pool {slow['acquire']:.1f}, sql "
                     f"{slow['sql']:.1f}, own {slow['own']:.1f}, write {slow['write']:.1f}; "
                     f"flushes {slow['flushes']}/{b['flushes']}"])
    res.table(["run", "requests", "statements / request", "in app (arrival to written)",
               "queue (loop)", "pool wait", "sql", "own work", "write",
               "slowest 1 %: mean ms"], rows,
              title="W6 inside the app: p50 / p99 ms of each part of a request")
    if gc_stats:
        res.params["gc_at_exit"] = {k: gc_stats[k] for k in ("gc", "frozen")}
        n = max(gc_stats["requests"], 1)
        res.table(["statement (first 90 characters)", "runs", "per request"],
                  [[q, f"{c:,}", f"{c / n:.3f}"] for q, c in
                   sorted(gc_stats["statements"].items(), key=lambda kv: -kv[1])],
                  title=f"W6 statements run while serving the {n:,} requests (warm-up included)")
        fl = gc_stats.get("flush_ms") or [0.0]
        res.params["rate_limit_flush_ms"] = {"count": len(gc_stats.get("flush_ms") or []),
                                             "p50": fl[len(fl) // 2], "max": fl[-1]}
        say(f"    rate-limit flushes: {res.params['rate_limit_flush_ms']}")
        res.params["malloc_trim"] = gc_stats.get("malloc_trim")
        say(f"    malloc_trim: {res.params['malloc_trim']}")
        res.table(["generation", "collections", "collected", "uncollectable"],
                  [[i, g["collections"], g["collected"], g["uncollectable"]]
                   for i, g in enumerate(gc_stats["gc"])],
                  title=f"W6 app's garbage collections at exit ({gc_stats['frozen']:,} objects "
                        f"frozen at start-up)")


def report_stalls(res: Result, path: Path, windows: list[tuple[str, float, float]]) -> None:
    rows = []
    for name, t0, t1 in windows:
        lag = looplag.summarise(path, t0, t1)
        rows.append([name, lag["stalls"], f"{lag['stall_ms']:.1f}", f"{lag['longest_ms']:.1f}",
                     lag["own_work_stalls"], f"{lag['own_work_ms']:.1f}", lag["full_gcs"],
                     f"{lag['longest_gc_ms']:.1f} ({lag['longest_gc_cpu_ms']:.1f} CPU)"])
    res.table(["run", "stalls > 3 ms", "stalled ms", "longest ms", "the app's own work",
               "own work ms", "full GCs", "longest GC ms (CPU ms)"], rows,
              title="W6 event-loop stalls (own work: the loop's thread used at least half "
                    "the stall on CPU)")


def report(res: Result, sat: dict[str, list[float]], opn: dict[str, list[float]],
           base: dict[str, Any] | None, prof_rows: list[list[Any]]) -> None:
    rps = res.metric("rps", sat["rps"], "req/s")
    app = res.metric("app_cpu_us", sat["app_us"], "µs")
    pgc = res.metric("pg_cpu_us", sat["pg_us"], "µs")
    p50 = res.metric("half_load_p50_ms", opn["p50"], "ms")
    p90 = res.metric("half_load_p90_ms", opn["p90"], "ms")
    p99 = res.metric("half_load_p99_ms", opn["p99"], "ms")
    ach = res.metric("half_load_achieved", opn["achieved"], "req/s")
    rows = [["saturation (wrk, 32 connections)", mmm(rps), f"{1e6 / app['median']:,.0f}",
             mmm(app), mmm(pgc), "–", "–", "–", f"{sum(sat['non_2xx']):,.0f}"],
            [f"open loop at half ({opn['rate'][0]:,.0f}/s, {res.params.get('generator', '?')} "
             f"generator)", mmm(ach), "", "", "", mmm(p50),
             mmm(p90), mmm(p99), f"{sum(opn['errors']):,.0f}"]]
    d = res.params.get("dataset", {})
    res.table(["load", "req/s", "per app-core-second (1e6 / app µs)", "app CPU µs/req",
               "PG CPU µs/req", "p50 ms", "p90 ms", "p99 ms", "non-2xx + errors"], rows,
              title=f"W6 home timeline, limit 20, first and second pages (dataset "
                    f"{res.params['size']}: {d.get('statuses', 0):,} statuses, "
                    f"{d.get('home_feed', 0):,} feed rows)")
    target_rows = [["req/s (wrk)", mmm(rps), "≥ 1,500 per app core"],
                   ["p50 at half load, ms", mmm(p50), "≤ 2"],
                   ["p99 at half load, ms", mmm(p99), "≤ 10"],
                   ["app CPU µs per request", mmm(app), "≤ 667 for 1,500/s"]]
    if base:
        hello = res.metric("hello_rps", base["rps"], "req/s")
        hcpu = res.metric("hello_cpu_us", base["cpu_us"], "µs")
        target_rows += [["hello world req/s (same run)", mmm(hello), ""],
                        ["hello world CPU µs/req", mmm(hcpu), ""]]
        res.ratios["w6.rps_over_hello"] = rps["median"] / hello["median"]
    res.table(["figure", "median (min–max)", "target"], target_rows, title="W6 against the targets")
    if prof_rows:
        res.table(["function (app, cProfile CPU time, saturation)", "calls", "own time",
                   "cumulative"], prof_rows, title="W6 where the app's CPU goes (top own time)")


def report_caches(res: Result, caches: list[dict[str, Any]]) -> None:
    """The entity caches during the saturation and open-loop runs (counted after the warm-up)."""
    rows = [[c["name"] or "?", f"{c['lookups']:,}", f"{c['hits']:,}",
             "–" if c["hit_rate"] is None else f"{c['hit_rate'] * 100:.1f} %",
             f"{c['size']:,} / {c['maxsize']:,}",
             "–" if c["bytes_per_entry"] is None else f"{c['bytes_per_entry']:,}"]
            for c in caches]
    if rows:
        res.table(["cache", "lookups", "hits", "hit rate", "entries / bound", "bytes per entry"],
                  rows, title="W6 entity caches (after the warm-up)")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--size", choices=sorted(SIZES), help="dataset (default M; S with --quick)")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--no-hello", action="store_true")
    p.add_argument("--runs", type=int,
                   help="saturation and open-loop runs (default 5; 2 with --quick)")
    p.add_argument("--no-cache-stats", action="store_true",
                   help="do not count cache lookups (counting costs a call per lookup)")
    p.add_argument("--breakdown", action="store_true",
                   help="split each request's time inside the app (bench/reqtimes.py)")
    p.add_argument("--stalls", action="store_true",
                   help="report the app's event-loop stalls and full collections")
    p.add_argument("--rate", type=float, help="open-loop rate (default: half the saturation)")
    p.add_argument("--fresh", action="store_true",
                   help="measure right after seeding, without the VACUUM (ANALYZE) and "
                        "CHECKPOINT that bring the database to steady state")
    p.add_argument("--vacuum", action="store_true", help="(the default now; kept for old "
                                                         "command lines)")
    p.add_argument("--generator", choices=("c", "python"), default="c",
                   help="the open loop's client: c (bench/load/openloop.c, built with the "
                        "machine's compiler; Python where there is none) or python "
                        "(bench/load/rawhttp.py; --moments always uses it)")
    p.add_argument("--moments", action="store_true",
                   help="when each open-loop run's slow requests happened and what else ran "
                        "then (bench/scenarios/w6_moments.py)")
    args = p.parse_args(argv)
    res = run(quick=args.quick, size=args.size or ("S" if args.quick else "M"),
              profile=args.profile, hello=not args.no_hello, runs=args.runs,
              cache_stats=not args.no_cache_stats, breakdown=args.breakdown,
              stalls=args.stalls, rate=args.rate, vacuum=not args.fresh,
              moments=args.moments, generator=args.generator)
    res.write()
    print("\n\n".join(res.tables))


if __name__ == "__main__":
    main()
