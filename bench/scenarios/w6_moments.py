"""When W6's slow requests happen, and what else ran at those moments.

A sampler process (`python -m bench.scenarios.w6_moments PATH APP_PID PG_PID BENCH_PID`,
started by `Moments`) writes one JSON line every TICK seconds: the cores' busy and stolen
time (/proc/stat), and the run time, run-queue wait and bytes written of every PostgreSQL
process by kind (backends, autovacuum, checkpointer, background writer, WAL writer:
schedstat and /proc/PID/io), of the app and of the bench process (the generator's thread is
one of its tasks). It is a separate process so it never holds the generator's GIL; it costs
about 1 % of the load core.

The open loop's answers are kept with their times (`timed_open_get`): when each request was
due, when the generator sent it and when its answer was read. `analyse` puts each request in
the sampler interval it was due in, and compares the intervals that held a slow request
(over SLOW_MS) with the rest: bunched slow requests in a few intervals with the checkpointer
writing, autovacuum running, the host stealing time or the generator late point away from
the request path; slow requests spread evenly point at it. PostgreSQL's own log (checkpoints,
autovacuum runs with their durations) and the app's loop stalls (bench/looplag.py) are
placed on the same clock.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from calendar import timegm
from pathlib import Path
from typing import Any

TICK = 0.1
SLOW_MS = 10.0
KINDS = ("checkpointer", "background writer", "walwriter", "autovacuum")


# --------------------------------------------------------------------------- sampler

def _read(path: str) -> str:
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return ""


def _kind(pid: int) -> str:
    cmd = _read(f"/proc/{pid}/cmdline").replace("\0", " ")
    for k in KINDS:
        if k in cmd:
            return k
    return "backend" if "postgres:" in cmd else "other"


def _sched(pid: int, *, threads: bool = False) -> tuple[int, int]:
    """(ns on a CPU, ns runnable but waiting) of a process, summed over its threads."""
    paths = [f"/proc/{pid}/task/{t}/schedstat" for t in os.listdir(f"/proc/{pid}/task")] \
        if threads and os.path.isdir(f"/proc/{pid}/task") else [f"/proc/{pid}/schedstat"]
    run = wait = 0
    for p in paths:
        f = _read(p).split()
        if len(f) >= 2:
            run, wait = run + int(f[0]), wait + int(f[1])
    return run, wait


def _written(pid: int) -> int:
    m = re.search(r"^write_bytes: (\d+)", _read(f"/proc/{pid}/io"), re.M)
    return int(m.group(1)) if m else 0


def _cores() -> dict[str, list[int]]:
    """Per core: [busy ticks (steal included), stolen ticks, all ticks]."""
    out = {}
    for line in _read("/proc/stat").splitlines():
        name, *vals = line.split()
        if name.startswith("cpu") and name != "cpu":
            v = [int(x) for x in vals[:8]]
            out[name[3:]] = [sum(v) - v[3] - v[4], v[7], sum(v)]
    return out


def sample_forever(path: str, app_pid: int, pg_pid: int, bench_pid: int) -> None:
    from bench.common import children_of

    pg: dict[int, str] = {}
    listed = 0.0
    with open(path, "a", buffering=1) as out:
        while os.path.exists(f"/proc/{bench_pid}"):
            now = time.time()
            if now - listed > 1.0:   # backends and autovacuum workers come and go
                pg = {p: _kind(p) for p in children_of(pg_pid)}
                listed = now
            procs = {str(p): [k, *_sched(p), _written(p)] for p, k in pg.items()}
            out.write(json.dumps({"t": now, "cores": _cores(), "pg": procs,
                                  "app": _sched(app_pid, threads=True),
                                  "bench": _sched(bench_pid, threads=True),
                                  "me": _sched(os.getpid())}) + "\n")
            time.sleep(max(0.0, TICK - (time.time() - now)))


class Moments:
    """The sampler for the life of the block (on the load core, as the bench is)."""

    def __init__(self, path: Path, app_pid: int, pg_pid: int | None, *, on: bool = True) -> None:
        self.path, self.app_pid, self.pg_pid = path, app_pid, pg_pid or 0
        self.on = on and bool(self.pg_pid)
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Moments:
        if not self.on:
            return self
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.scenarios.w6_moments", str(self.path),
             str(self.app_pid), str(self.pg_pid), str(os.getpid())])
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


# --------------------------------------------------------------------------- client

def timed_open_get(port: int, pairs: list[tuple[str, str]], *, rate: float,
                   duration: float) -> tuple[dict[str, Any], list[tuple[float, float, float]]]:
    """The open loop of api_common.open_get, and per answered request (latency ms, wall
    time it was due, how late the generator sent it in ms)."""
    from bench.load import rawhttp
    from bench.load.openloop import open_loop
    from bench.scenarios.api_common import get_targets

    sent: dict[int, float] = {}
    done: dict[int, tuple[float, float]] = {}
    clock = time.perf_counter
    original = rawhttp.Pool.send

    def send(self: Any, i: int, due: float, data: bytes) -> None:
        sent[i] = clock()
        original(self, i, due, data)

    def on_done(i: int, due: float, status: int) -> None:
        done[i] = (due, clock())

    to_wall = time.time() - clock()
    rawhttp.Pool.send = send  # type: ignore[method-assign]
    try:
        out = asyncio.run(open_loop(f"http://127.0.0.1:{port}/", rate=rate, duration=duration,
                                    targets=get_targets(port, pairs), max_in_flight=512,
                                    on_done=on_done))
    finally:
        rawhttp.Pool.send = original  # type: ignore[method-assign]
    t0 = done[0][0] if 0 in done else min((d for d, _ in done.values()), default=0.0)
    rows = []
    for i, (due, read) in done.items():
        scheduled = t0 + i / rate
        rows.append(((read - due) * 1000, scheduled + to_wall,
                     max(0.0, sent.get(i, scheduled) - scheduled) * 1000))
    return out, rows


# --------------------------------------------------------------------------- PostgreSQL log

_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) (\S+) \[\d+\] (\w+):\s+(.*)")


def _epoch(stamp: str, zone: str) -> float:
    base, _, frac = stamp.partition(".")
    t = time.strptime(base, "%Y-%m-%d %H:%M:%S")
    secs = timegm(t) if zone in ("UTC", "GMT") else time.mktime(t)
    return secs + (float("0." + frac) if frac else 0.0)


def pg_events(log: Path | None) -> list[dict[str, Any]]:
    """Checkpoints (start, end, buffers written, write/sync seconds) and autovacuum runs
    (table, kind, start = end - elapsed, end) from PostgreSQL's log."""
    if log is None or not log.exists():
        return []
    events: list[dict[str, Any]] = []
    started: float | None = None
    last: dict[str, Any] | None = None
    for line in log.read_text(errors="replace").splitlines():
        m = _STAMP.match(line)
        if not m:
            e = re.search(r"elapsed: ([\d.]+) s", line)
            if e and last is not None and last["kind"] != "checkpoint":
                last["start"] = last["end"] - float(e.group(1))
            continue
        at, msg = _epoch(m.group(1), m.group(2)), m.group(4)
        last = None
        if msg.startswith("checkpoint starting"):
            started = at
        elif msg.startswith("checkpoint complete"):
            w = re.search(r"wrote (\d+) buffers.*?write=([\d.]+) s, sync=([\d.]+) s", msg)
            events.append({"kind": "checkpoint", "start": started or at, "end": at,
                           "what": (f"{w.group(1)} buffers, write {w.group(2)} s, sync "
                                    f"{w.group(3)} s") if w else msg[:60]})
            started = None
        elif (a := re.match(r"automatic (vacuum|analyze) of table \"([^\"]+)\"", msg)):
            last = {"kind": f"auto{a.group(1)}", "start": at, "end": at,
                    "what": a.group(2).split(".")[-1]}
            events.append(last)
    if started is not None:
        events.append({"kind": "checkpoint", "start": started, "end": float("inf"),
                       "what": "still running"})
    return events


# --------------------------------------------------------------------------- analysis

def _intervals(path: Path, t0: float, t1: float, app_core: int, load_core: int) -> list[dict[str, float]]:
    """Per sampler interval inside [t0, t1]: ms of each kind of CPU use and waiting."""
    samples = [json.loads(s) for s in path.read_text().splitlines() if s.strip()] \
        if path.exists() else []
    samples = [s for s in samples if t0 - TICK <= s["t"] <= t1 + TICK]
    tck = 1000 / os.sysconf("SC_CLK_TCK")
    out = []
    for a, b in zip(samples, samples[1:], strict=False):
        row: dict[str, float] = {"t0": a["t"], "t1": b["t"]}
        for kind in ("backend", *KINDS):
            row[f"{kind} cpu"] = row[f"{kind} wait"] = row[f"{kind} MB"] = 0.0
        for pid, (kind, run, wait, wb) in b["pg"].items():
            if kind == "other":
                continue
            ra, wa, wba = (a["pg"][pid][1:] if pid in a["pg"] else (0, 0, 0))
            if run < ra:   # a process read as it exited (zeros), or its pid reused
                ra, wa, wba = (0, 0, 0) if run else (run, wait, wb)
            row[f"{kind} cpu"] += (run - ra) / 1e6
            row[f"{kind} wait"] += (wait - wa) / 1e6
            row[f"{kind} MB"] += (wb - wba) / 1e6
        for who in ("app", "bench", "me"):
            row[f"{who} cpu"] = (b[who][0] - a[who][0]) / 1e6
            row[f"{who} wait"] = (b[who][1] - a[who][1]) / 1e6
        ca, cb = a["cores"], b["cores"]
        row["steal"] = sum((cb[c][1] - ca[c][1]) * tck for c in cb if c in ca)
        for core in (app_core, load_core):
            c = str(core)
            row[f"core{core} busy"] = (cb[c][0] - ca[c][0]) * tck if c in ca else 0.0
        pg_cpu = sum(row[f"{k} cpu"] for k in ("backend", *KINDS))
        row["core1 others"] = max(0.0, row[f"core{load_core} busy"] - pg_cpu - row["bench cpu"]
                                  - row["me cpu"])
        row["core0 others"] = max(0.0, row[f"core{app_core} busy"] - row["app cpu"])
        out.append(row)
    return out


def _stalls(path: Path | None) -> list[tuple[float, float, str]]:
    if path is None or not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        kind, at, ms, *_ = line.split()
        out.append((float(at), float(ms), kind))
    return out


COLUMNS = ("backend cpu", "backend wait", "backend MB", "autovacuum cpu", "checkpointer MB",
           "background writer MB", "walwriter cpu", "core1 others", "core0 others", "steal",
           "app wait", "bench wait", "loop stall", "gen late")


def analyse(name: str, requests: list[tuple[float, float, float]], samples: Path,
            events: list[dict[str, Any]], lag: Path | None, *, app_core: int = 0,
            load_core: int = 1) -> dict[str, Any]:
    """The run's slow requests: how bunched, and the mean of each column (ms per interval of
    CPU or waiting, MB written) in the intervals that held them against the others."""
    if not requests:
        return {"run": name, "requests": 0}
    t0 = min(r[1] for r in requests)
    t1 = max(r[1] for r in requests)
    ivs = _intervals(samples, t0, t1, app_core, load_core)
    stalls = _stalls(lag)
    for iv in ivs:
        mine = [r for r in requests if iv["t0"] <= r[1] < iv["t1"]]
        iv["n"] = len(mine)
        iv["slow"] = sum(1 for r in mine if r[0] > SLOW_MS)
        iv["worst"] = max((r[0] for r in mine), default=0.0)
        iv["gen late"] = max((r[2] for r in mine), default=0.0)
        iv["loop stall"] = sum(ms for at, ms, kind in stalls
                               if kind == "lag" and iv["t0"] <= at < iv["t1"])
        iv["full gc"] = sum(ms for at, ms, kind in stalls
                            if kind == "gc" and iv["t0"] <= at < iv["t1"])
    slow_total = sum(1 for r in requests if r[0] > SLOW_MS)
    hot = [iv for iv in ivs if iv["slow"]]
    calm = [iv for iv in ivs if not iv["slow"]]
    by_slow = sorted(hot, key=lambda iv: -iv["slow"])

    def mean(rows: list[dict[str, float]], k: str) -> float:
        return sum(r.get(k, 0.0) for r in rows) / len(rows) if rows else 0.0

    during = [f"{e['kind']} {e['what']} ({time.strftime('%H:%M:%S', time.gmtime(e['start']))}"
              f"–{'…' if e['end'] == float('inf') else time.strftime('%H:%M:%S', time.gmtime(e['end']))})"
              for e in events if e["start"] <= t1 and e["end"] >= t0]
    return {"run": name, "requests": len(requests), "slow": slow_total,
            "intervals": len(ivs), "hot_intervals": len(hot),
            "top3_share": sum(iv["slow"] for iv in by_slow[:3]) / slow_total if slow_total else 0.0,
            "hot": {k: mean(hot, k) for k in (*COLUMNS, "full gc")},
            "calm": {k: mean(calm, k) for k in (*COLUMNS, "full gc")},
            "worst": [{"at": time.strftime("%H:%M:%S", time.gmtime(iv["t0"]))
                       + f".{int(iv['t0'] % 1 * 10)}", "slow": iv["slow"], "n": iv["n"],
                       "worst_ms": iv["worst"], **{k: iv.get(k, 0.0) for k in COLUMNS}}
                      for iv in by_slow[:3]],
            "pg_events": during}


def table_rows(a: dict[str, Any]) -> list[list[Any]]:
    """Rows for Result.table: hot and calm means, then the three worst intervals."""
    if not a.get("requests"):
        return []
    head = (f"{a['run']}: {a['slow']} of {a['requests']:,} over {SLOW_MS:.0f} ms in "
            f"{a['hot_intervals']} of {a['intervals']} intervals (top 3: "
            f"{a['top3_share']:.0%})")
    rows = [[head, "with slow", *(f"{a['hot'][k]:.1f}" for k in COLUMNS)],
            ["", "without", *(f"{a['calm'][k]:.1f}" for k in COLUMNS)],
            # what the slow moments had more of: others' CPU, steal and the generator's
            # waits are the machine's; maintenance, backends' waits and loop stalls the server's
            ["", "difference", *(f"{a['hot'][k] - a['calm'][k]:+.1f}" for k in COLUMNS)]]
    for w in a["worst"]:
        rows.append(["", f"{w['at']} {w['slow']}/{w['n']} max {w['worst_ms']:.0f}",
                     *(f"{w[k]:.1f}" for k in COLUMNS)])
    return rows


TABLE_HEAD = ["run", f"{TICK * 1000:.0f} ms intervals", *COLUMNS]


async def log_maintenance(dsn: str) -> None:
    """Every autovacuum run goes to the log with its duration (PostgreSQL logs checkpoints
    already), so the runs can be placed next to the requests. ALTER SYSTEM: for the bench's
    own embedded server only."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("ALTER SYSTEM SET log_autovacuum_min_duration = 0")
        await conn.execute("ALTER SYSTEM SET log_checkpoints = on")
        await conn.execute("SELECT pg_reload_conf()")
    finally:
        await conn.close()


def report(res: Any, runs: list[tuple[str, list[tuple[float, float, float]]]], samples: Path,
           log: Path | None, lag: Path | None) -> None:
    events = pg_events(log)
    rows, out = [], []
    for name, reqs in runs:
        a = analyse(name, reqs, samples, events, lag)
        out.append(a)
        rows += table_rows(a)
        rows.append(["", "PostgreSQL log", "; ".join(a.get("pg_events", [])) or "–",
                     *[""] * (len(COLUMNS) - 1)])
    res.params["moments"] = out
    res.table(TABLE_HEAD, rows, title=(
        f"W6 open-loop runs, {TICK * 1000:.0f} ms at a time: the intervals holding a request "
        f"over {SLOW_MS:.0f} ms against the rest (mean ms of CPU or run-queue wait per interval, "
        "MB written; core1 others = the load core busy with neither PostgreSQL nor the bench; "
        "steal = all cores; gen late = the generator's latest send)"))


if __name__ == "__main__":
    sample_forever(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
