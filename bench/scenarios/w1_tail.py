"""W1's latency tail, taken apart: the W1 open loop at fixed rates, several passes each,
with what every part of the path did during each pass.

Per pass, next to the client's p50 / p99 / p99.9 (from when each request was due):
- the generator: how late it sent (its own delays) and the CPU its thread used;
- the app: its event-loop stalls (bench/looplag.py: own work vs waiting for a core, full
  collections), each request's split (bench/reqtimes.py: waiting for the loop, waiting for
  its row's group commit, own work), the group commits (rows per commit, commit time);
- the cores: how busy each was and how much of that was other processes than ours
  (/proc/stat minus our processes' CPU), and how long our processes waited for a core
  (/proc/<pid>/task/*/schedstat: time runnable but not running);
- PostgreSQL: checkpoints and autovacuum runs during the pass, its WAL settings.

    python -m bench.scenarios.w1_tail --rates 500,800,1000,1200 --passes 3
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
from bench.common import APP_CORE, LOAD_CORE, children_of, pin_self, proc_cpu_seconds, say
from bench.db import BenchPostgres
from bench.load.sched import runq_wait
from bench.scenarios.inbox_app import BATCHES_ENV
from bench.scenarios.inbox_common import AppProcess, mixed_specs, now_tag, open_inbox, sign_all
from bench.scenarios.w1_inbox import _setup

PG_SETTINGS = ("fsync", "synchronous_commit", "wal_sync_method", "commit_delay",
               "checkpoint_timeout", "max_wal_size", "shared_buffers", "autovacuum")


def _cpu_times() -> dict[int, tuple[float, float]]:
    """Per core: (busy, total) seconds since boot."""
    out = {}
    tck = os.sysconf("SC_CLK_TCK")
    for line in Path("/proc/stat").read_text().splitlines():
        name, *vals = line.split()
        if name.startswith("cpu") and name != "cpu":
            v = [int(x) for x in vals]
            idle = v[3] + v[4]
            out[int(name[3:])] = ((sum(v[:8]) - idle) / tck, sum(v[:8]) / tck)
    return out


class Snapshot:
    def __init__(self, app_pid: int, pg_pid: int | None) -> None:
        self.app_pid, self.pg_pid = app_pid, pg_pid

    def take(self) -> dict[str, Any]:
        pg = [self.pg_pid, *children_of(self.pg_pid)] if self.pg_pid else []
        return {"wall": time.time(), "cores": _cpu_times(),
                "app": proc_cpu_seconds(self.app_pid),
                "pg": sum(proc_cpu_seconds(p, with_children=p == self.pg_pid) for p in pg),
                "me": time.process_time(), "app_wait": runq_wait([self.app_pid]),
                "pg_wait": runq_wait(pg), "me_wait": runq_wait([os.getpid()]),
                "load": os.getloadavg()[0], "app_cores": sorted(os.sched_getaffinity(self.app_pid))}


async def _pg_counters(dsn: str) -> dict[str, Any]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow("SELECT checkpoints_timed + checkpoints_req AS cp "
                                  "FROM pg_stat_bgwriter")
        av = await conn.fetchval("SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0) "
                                 "FROM pg_stat_user_tables")
        settings = {n: await conn.fetchval(f"SHOW {n}") for n in PG_SETTINGS}
        return {"checkpoints": row["cp"], "autovacuum": int(av), "settings": settings}
    finally:
        await conn.close()


def _diff(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    wall = b["wall"] - a["wall"]
    out: dict[str, Any] = {"wall": wall, "load": b["load"]}
    for k in ("app", "pg", "me", "app_wait", "pg_wait", "me_wait"):
        out[k] = b[k] - a[k]
    for core in (APP_CORE, LOAD_CORE):
        busy = b["cores"][core][0] - a["cores"][core][0]
        # the app counts on its core only when pinned there (all three share core 1 otherwise)
        ours = (out["app"] if b["app_cores"] == [core] else 0.0) \
            + (out["pg"] + out["me"] if core == LOAD_CORE else 0.0)
        out[f"core{core}_busy"] = busy / wall
        out[f"core{core}_others"] = max(busy - ours, 0.0) / wall
    return out


def _batches_in(batches: list[list[float]], t0: float, t1: float) -> dict[str, float]:
    sel = [b for b in batches if t0 <= b[0] <= t1]
    if not sel:
        return {"commits": 0}
    rows = sorted(b[1] for b in sel)
    secs = sorted(b[2] for b in sel)

    def q(vals: list[float], f: float) -> float:
        return vals[min(len(vals) - 1, int(f * len(vals)))]

    return {"commits": len(sel), "rows_mean": sum(rows) / len(rows), "rows_max": rows[-1],
            "commit_p50_ms": q(secs, 0.5) * 1000, "commit_p99_ms": q(secs, 0.99) * 1000,
            "commit_max_ms": secs[-1] * 1000}


def _renice(pids: list[int], nice: int) -> None:
    """Every thread of these processes (backends forked later inherit the postmaster's) and,
    where the kernel groups processes by session (autogroup: CPU is first shared between
    sessions, so a thread's own nice counts only inside its session), their sessions."""
    for pid in pids:
        try:
            Path(f"/proc/{pid}/autogroup").write_text(str(nice))
        except OSError:
            pass
        try:
            tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            continue
        for tid in tids:
            try:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
            except OSError:
                pass


async def _alter_database(dsn: str, settings: list[str]) -> None:
    """An experiment's PostgreSQL setting (e.g. synchronous_commit=off: how much of a commit
    is its WAL flush) for the connections the app opens afterwards."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        for setting in settings:
            name, _, value = setting.partition("=")
            await conn.execute(f"ALTER DATABASE {conn._params.database} SET {name} = '{value}'")
    finally:
        await conn.close()


def run(rates: list[float], passes: int, duration: float, n_actors: int, out: Path, *,
        plain: bool = False, nice: int = 0, pg_set: list[str] | None = None) -> None:
    """`plain`: without the app's instruments (they cost it CPU: the loop watcher wakes 500
    times a second), for the figures themselves. `nice` < 0: an experiment, not a figure to
    compare with the others: the app, PostgreSQL and the generator ahead of the other
    processes on the machine, which shows what is left of the tail without their load."""
    pin_self(LOAD_CORE)
    work = Path(tempfile.mkdtemp(prefix="commonhold-bench-w1tail-"))
    files = {looplag.ENV: work / "lag", reqtimes.ENV: work / "req", BATCHES_ENV: work / "batches"}
    for k, v in files.items():
        if not plain:
            os.environ[k] = str(v)
    passes_out: list[dict[str, Any]] = []

    async def main() -> None:
        async with BenchPostgres() as pg:
            dsn = await _setup(pg, n_actors, "w1t")
            if pg_set:
                await _alter_database(dsn, pg_set)
            pgc0 = await _pg_counters(dsn)
            say(f"  PostgreSQL: {pgc0['settings']}")
            with AppProcess(dsn) as app:
                snap = Snapshot(app.pid, pg.postmaster_pid)
                if nice:
                    pgp = [pg.postmaster_pid] if pg.postmaster_pid else []
                    _renice([app.pid, os.getpid(), *pgp, *(children_of(pgp[0]) if pgp else [])],
                            nice)
                await asyncio.to_thread(open_inbox, app.port,
                                        sign_all(mixed_specs(1000, n_actors, f"w{now_tag()}")),
                                        rate=500, duration=2)
                for p in range(passes):
                    for rate in rates:
                        signed = sign_all(mixed_specs(int(rate * duration), n_actors,
                                                      f"t{now_tag()}{p}"))
                        pg.pin()
                        c0 = await _pg_counters(dsn)
                        s0 = snap.take()
                        done: list[tuple[float, float]] = []
                        clock = time.perf_counter

                        def on_done(i: int, due: float, status: int) -> None:
                            done.append((due, clock() - due))
                        ol = await asyncio.to_thread(open_inbox, app.port, signed, rate=rate,
                                                     duration=duration, on_done=on_done)
                        s1 = snap.take()
                        c1 = await _pg_counters(dsn)
                        d = _diff(s0, s1)
                        t_start = min((x[0] for x in done), default=0.0)
                        # where in the pass the slowest 1 % were due (s from the start)
                        slow = sorted(done, key=lambda x: -x[1])[:max(1, len(done) // 100)]
                        rec = {"rate": rate, "pass": p, "t0": s0["wall"], "t1": s1["wall"],
                               "client": {k: ol[k] for k in (
                                   "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms",
                                   "achieved_rps", "late_starts", "send_late_p99_ms",
                                   "send_late_max_ms", "generator_cpu_s", "non_2xx", "errors")},
                               "cpu": d, "checkpoints": c1["checkpoints"] - c0["checkpoints"],
                               "autovacuum": c1["autovacuum"] - c0["autovacuum"],
                               "slow_due_s": sorted(round(x[0] - t_start, 2) for x in slow)}
                        passes_out.append(rec)
                        say(f"    {rate:,.0f}/s pass {p}: p50 {ol['p50_ms']:.1f} p99 "
                            f"{ol['p99_ms']:.1f} p99.9 {ol['p999_ms']:.1f} ms; load "
                            f"{d['load']:.1f}; core0 others {d['core0_others']:.0%}, core1 "
                            f"others {d['core1_others']:.0%}; app runq wait "
                            f"{d['app_wait'] * 1000:.0f} ms; send late p99 "
                            f"{ol['send_late_p99_ms']:.1f} ms")
                if nice:  # this session back to the others' level before the app stops
                    _renice([os.getpid(), *([pg.postmaster_pid] if pg.postmaster_pid else [])], 0)
            await pg.drop_database(dsn)

    try:
        asyncio.run(main())
    finally:
        for k in files:
            os.environ.pop(k, None)
    batches = json.loads(files[BATCHES_ENV].read_text()) if files[BATCHES_ENV].exists() else []
    for rec in passes_out:
        rec["loop"] = looplag.summarise(files[looplag.ENV], rec["t0"], rec["t1"])
        rec["commits"] = _batches_in(batches, rec["t0"], rec["t1"])
        if files[reqtimes.ENV].exists():
            r = reqtimes.summarise(files[reqtimes.ENV], rec["t0"], rec["t1"])
            rec["app_split"] = {k: r[k] for k in ("queue", "sql", "own", "write", "total")}
            rec["app_split"]["slowest_1pct"] = r["slowest_1pct"]
    out.write_text(json.dumps(passes_out, indent=1))
    for rec in passes_out:
        c, cpu = rec["client"], rec["cpu"]
        split = rec.get("app_split", {})
        print(f"{rec['rate']:>6,.0f}/s p{rec['pass']}: client p50 {c['p50_ms']:.1f} p99 "
              f"{c['p99_ms']:.1f} p99.9 {c['p999_ms']:.1f} max {c['max_ms']:.0f} | gen late p99 "
              f"{c['send_late_p99_ms']:.1f} cpu {c['generator_cpu_s']:.2f}s | app total p99 "
              f"{split.get('total', {}).get('p99', 0):.1f} queue p99 "
              f"{split.get('queue', {}).get('p99', 0):.1f} commit-wait p99 "
              f"{split.get('sql', {}).get('p99', 0):.1f} | commits {rec['commits']} | loop "
              f"{rec['loop']} | load {cpu['load']:.1f} core0 others {cpu['core0_others']:.0%} "
              f"core1 busy {cpu['core1_busy']:.0%} others {cpu['core1_others']:.0%} | runq "
              f"app {cpu['app_wait'] * 1000:.0f} pg {cpu['pg_wait'] * 1000:.0f} gen "
              f"{cpu['me_wait'] * 1000:.0f} ms | ckpt {rec['checkpoints']} av {rec['autovacuum']}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rates", default="500,800,1000,1200")
    p.add_argument("--passes", type=int, default=3)
    p.add_argument("--duration", type=float, default=3.0)
    p.add_argument("--actors", type=int, default=1000)
    p.add_argument("--out", type=Path, default=Path("/tmp/w1_tail.json"))
    p.add_argument("--plain", action="store_true", help="without the app's instruments")
    p.add_argument("--nice", type=int, default=0,
                   help="run the app, PostgreSQL and the generator at this nice value (root)")
    p.add_argument("--pg-set", action="append", default=[],
                   help="NAME=VALUE for the bench database (an experiment), e.g. "
                        "synchronous_commit=off")
    args = p.parse_args(argv)
    run([float(r) for r in args.rates.split(",")], args.passes, args.duration, args.actors,
        args.out, plain=args.plain, nice=args.nice, pg_set=args.pg_set)


if __name__ == "__main__":
    main()
