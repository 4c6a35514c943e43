"""W7's memory side: the app run as w7_app (its probe answering SIGUSR2), the probe taken
every minute during the soak, and the tables made of the probe lines (with tracing, the
allocation sites that grew between the warm-up, minute 1, minute 5 and the end)."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import APP_CORE, Result, proc_status_mib, spawn_app, taskset_prefix
from bench.scenarios.api_common import ApiApp

PROBE_EVERY = 60.0   # seconds between memory probes of the app (--probe)

class ProbedApiApp(ApiApp):
    """api_app with w7_app's memory probe: `probe()` asks it for one line of figures (and a
    tracemalloc snapshot when tracing)."""

    def __init__(self, dsn: str, *, workers: int, max_seconds: float, probe_out: Path,
                 trace_frames: int, tune_memory: bool) -> None:
        super().__init__(dsn, workers=workers, max_seconds=max_seconds)
        self.probe_out, self.trace_frames = probe_out, trace_frames
        self.tune_memory = tune_memory

    def __enter__(self) -> ProbedApiApp:
        cmd = [*taskset_prefix(APP_CORE), sys.executable, "-m", "bench.scenarios.w7_app",
               "--dsn", self.dsn, "--workers", str(self.workers), "--pool", str(self.pool),
               "--max-seconds", str(self.max_seconds), "--probe-out", str(self.probe_out),
               "--trace-frames", str(self.trace_frames)]
        if not self.tune_memory:
            cmd.append("--no-memory-tuning")
        self.proc, self.port = spawn_app(cmd, "w7_app")
        return self

    async def probe(self) -> dict[str, Any]:
        """Signal the app and wait for its line (a traced snapshot takes a moment)."""
        before = self.lines()
        assert self.proc is not None
        self.proc.send_signal(signal.SIGUSR2)
        for _ in range(600):
            await asyncio.sleep(0.1)
            if len(now := self.lines()) > len(before):
                return now[-1]
        return {}

    def lines(self) -> list[dict[str, Any]]:
        if not self.probe_out.exists():
            return []
        return [json.loads(x) for x in self.probe_out.read_text().splitlines() if x.strip()]


async def probe_every(app: ProbedApiApp, probes: list[dict[str, Any]], t0: float,
                      stop: asyncio.Event, every: float = PROBE_EVERY) -> None:
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=every)
        except TimeoutError:
            pass
        if stop.is_set():
            return
        row = await app.probe()
        row["soak_s"] = round(time.perf_counter() - t0)
        row |= proc_status_mib(app.pid)
        probes.append(row)


def compare_snapshots(first: str, later: str, top: int = 12) -> list[list[Any]]:
    """The allocation sites (file:line) that grew most between two tracemalloc snapshots."""
    import tracemalloc

    a = tracemalloc.Snapshot.load(first)
    b = tracemalloc.Snapshot.load(later)
    noise = [tracemalloc.Filter(False, tracemalloc.__file__)]
    a, b = a.filter_traces(noise), b.filter_traces(noise)
    stats = b.compare_to(a, "lineno")
    rows = []
    for st in stats[:top]:
        fr = st.traceback[0]
        name = fr.filename
        for marker in ("/site-packages/", "/wt-rss/", "/lib/python3"):
            if marker in name:
                name = name.split(marker, 1)[1]
                break
        rows.append([f"{name}:{fr.lineno}", st.size_diff / 1024, st.size / 1024, st.count_diff])
    return rows


def minute1_growth(samples: list[list[Any]], rss1: float) -> str:
    """RSS from the queue sample nearest 60 s to the end, for runs long enough to have one."""
    later = [s for s in samples if s[0] >= 55]
    if not later or samples[-1][0] < 120:
        return "–"
    r = later[0][6]
    return f"{r:.1f} → {rss1:.1f} ({(rss1 - r) / r * 100:+.1f} %)"


def memory_tables(res: Result, probes: list[dict[str, Any]]) -> None:
    """The probe lines as a table, and with tracing the sites that grew between probes."""
    traced = any("traced" in p for p in probes)
    cols = [("soak_s", "t s"), ("rss", "RSS"), ("RssAnon", "anon"), ("RssFile", "file"),
            ("malloc_arena", "malloc arenas"), ("malloc_in_use", "malloc in use"),
            ("malloc_free", "malloc free"), ("malloc_mmapped", "malloc mmapped"),
            ("blocks", "Python blocks"), ("gc_objects", "gc objects"),
            ("os_threads", "threads"), ("sockets", "sockets"), ("pg_connections", "pg conns"),
            ("pg_closed_connections", "closed conns"),
            ("pg_cached_statements", "cached stmts"), ("account_entities", "acct entities"),
            ("keys_parsed", "keys"), ("keys_remembered", "signer keys"), ("token_rows", "tokens")]
    if traced:
        cols[2:2] = [("traced", "traced (Python heap)"), ("trace_overhead", "tracemalloc own")]
    res.table([c[1] for c in cols], [[p.get(k, "–") for k, _ in cols] for p in probes],
              title="W7 memory probes (MiB unless a count)")
    if not traced:
        return
    # Growth by file:line between the warm-up, minute 1, minute 5 and the end.
    marks = [0]
    for minute in (60, 300):
        i = min(range(len(probes)), key=lambda j: abs(probes[j]["soak_s"] - minute))
        if i not in marks:
            marks.append(i)
    if len(probes) - 1 not in marks:
        marks.append(len(probes) - 1)
    for a, b in zip(marks, marks[1:]):
        if "snapshot" not in probes[a] or "snapshot" not in probes[b]:
            continue
        res.table(["site", "grew KiB", "now KiB", "blocks +"],
                  compare_snapshots(probes[a]["snapshot"], probes[b]["snapshot"]),
                  title=f"W7 top Python allocation growth, t {probes[a]['soak_s']} s → "
                        f"{probes[b]['soak_s']} s")
