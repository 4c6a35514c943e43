"""Event-loop stalls in an app under test, and whose they were.

`start(path)` (inside the app) wakes every 2 ms and, whenever a wake-up comes more than 3 ms
late, appends one line to `path`: the wall-clock time, how late it was and how much CPU the
loop's thread used meanwhile. A stall that used about as much CPU as it lasted is the app's
own work (a garbage collection, a long synchronous step); one that used almost none is the
process waiting for a core (other processes' load). `summarise(path, t0, t1)` adds up the
stalls in a window, for a scenario to report next to its latencies. Full collections are
written with their wall time, the loop thread's CPU time meanwhile and what they collected.

The app starts it when BENCH_LOOP_LAG names a file (see scenarios/inbox_app.py).
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from pathlib import Path
from typing import Any

ENV = "BENCH_LOOP_LAG"
TICK = 0.002
REPORT_OVER_MS = 3.0
OWN_WORK_SHARE = 0.5     # a stall with at least this much CPU counts as the app's own work
_RUNNING: set[asyncio.Task[None]] = set()   # the loop holds tasks weakly
CENSUS_AT = 1   # the full collection after which the tracked objects are counted by type


def _census(path: str) -> None:
    """The objects a full collection walks, by type, most first, to `path`: how many, and
    how many references the collector follows from them (a container's every item, tracked
    or not: the walk's cost), then the ten objects with the most references."""
    counts: dict[str, list[int]] = {}
    largest: list[tuple[int, str]] = []
    for o in gc.get_objects(2):
        name = type(o).__qualname__
        refs = len(gc.get_referents(o))
        entry = counts.setdefault(name, [0, 0])
        entry[0] += 1
        entry[1] += refs
        if refs > 1000:
            holders = ",".join(sorted({type(h).__qualname__ for h in gc.get_referrers(o)})[:4])
            largest.append((refs, f"{name} held by {holders}"))
    with open(path, "w") as f:
        for name, (n, refs) in sorted(counts.items(), key=lambda kv: -kv[1][1]):
            f.write(f"{n} {refs} {name}\n")
        for refs, what in sorted(largest, reverse=True)[:10]:
            f.write(f"largest {refs} {what}\n")


def start(path: str) -> asyncio.Task[None]:
    out = open(path, "a", buffering=1)  # noqa: SIM115 - held for the life of the process
    gc_started: list[float] = []
    full = [0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            gc_started[:] = [time.perf_counter(), time.thread_time()]
        elif gc_started and info.get("generation") == 2:
            ms = (time.perf_counter() - gc_started[0]) * 1000
            # the thread's CPU too: on a busy machine the wall time includes waiting for a core
            cpu = (time.thread_time() - gc_started[1]) * 1000
            # What the next full collection will walk: every object the collector tracks
            # (all in the oldest generation now), not counting the frozen ones.
            walked = len(gc.get_objects(2))
            out.write(f"gc {time.time():.4f} {ms:.2f} {cpu:.2f} {info.get('collected', 0)} "
                      f"{walked}\n")
            full[0] += 1
            if full[0] == CENSUS_AT:
                _census(path + ".census")

    gc.callbacks.append(on_gc)

    async def watch() -> None:
        while True:
            wall, cpu = time.perf_counter(), time.thread_time()
            await asyncio.sleep(TICK)
            late = (time.perf_counter() - wall - TICK) * 1000
            if late > REPORT_OVER_MS:
                used = (time.thread_time() - cpu) * 1000
                out.write(f"lag {time.time():.4f} {late:.2f} {used:.2f}\n")

    task = asyncio.get_running_loop().create_task(watch(), name="loop-lag")
    _RUNNING.add(task)
    return task


def start_from_env() -> None:
    path = os.environ.get(ENV)
    if path:
        start(path)


def summarise(path: str | Path, t0: float, t1: float) -> dict[str, float]:
    """Stalls between wall-clock times t0 and t1: how many, their total ms, the part that was
    the app's own work, the longest, and full collections (count, longest ms)."""
    stalls: list[tuple[float, float]] = []
    gcs: list[float] = []
    gc_cpu: list[float] = []
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        kind, *fields = line.split()
        at = float(fields[0])
        if not t0 <= at <= t1:
            continue
        if kind == "lag":
            stalls.append((float(fields[1]), float(fields[2])))
        elif kind == "gc":
            gcs.append(float(fields[1]))
            gc_cpu.append(float(fields[2]) if len(fields) > 2 else 0.0)   # older lines: wall only
    own = [late for late, used in stalls if used >= OWN_WORK_SHARE * late]
    return {"stalls": len(stalls), "stall_ms": sum(late for late, _ in stalls),
            "own_work_stalls": len(own), "own_work_ms": sum(own),
            "longest_ms": max((late for late, _ in stalls), default=0.0),
            "full_gcs": len(gcs), "longest_gc_ms": max(gcs, default=0.0),
            "longest_gc_cpu_ms": max(gc_cpu, default=0.0)}
