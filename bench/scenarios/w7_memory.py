"""W7's memory side: the app run as w7_app (its probe answering SIGUSR2), the probe taken
at 30 s, every 30 s to minute 2 and then every minute during the soak, once more after it
with the caches emptied (attribution), and the tables made of the probe lines (with tracing,
the allocation sites that grew between the warm-up, 30 s, minutes 1, 2, 5 and the end)."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import APP_CORE, REPO_DIR, Result, proc_status_mib, spawn_app, taskset_prefix
from bench.scenarios.api_common import ApiApp

# When the memory probe runs (--probe), in seconds of soak: dense at first, where the
# working set arrives, then every minute.
PROBE_AT = (30, 60, 90, 120, 180, 240, 300, 360, 420, 480, 540, 600, 720, 840, 960, 1080, 1200)

class ProbedApiApp(ApiApp):
    """The app as w7_app runs it (api_app whose HTTP client finds no remote host, see there),
    with its memory probe when `probe_out` is given: `probe()` asks it for one line of
    figures (and a tracemalloc snapshot when tracing)."""

    def __init__(self, dsn: str, *, workers: int, max_seconds: float, probe_out: Path | None,
                 trace_frames: int = 0, tune_memory: bool = True) -> None:
        super().__init__(dsn, workers=workers, max_seconds=max_seconds)
        self.probe_out, self.trace_frames = probe_out, trace_frames
        self.tune_memory = tune_memory

    def __enter__(self) -> ProbedApiApp:
        cmd = [*taskset_prefix(APP_CORE), sys.executable, "-m", "bench.scenarios.w7_app",
               "--dsn", self.dsn, "--workers", str(self.workers),
               "--max-seconds", str(self.max_seconds)]
        if self.probe_out is not None:
            cmd += ["--probe-out", str(self.probe_out), "--trace-frames", str(self.trace_frames)]
        if self.pool:   # else serve's pool size
            cmd += ["--pool", str(self.pool)]
        if not self.tune_memory:
            cmd.append("--no-memory-tuning")
        self.proc, self.port = spawn_app(cmd, "w7_app")
        return self

    async def probe(self) -> dict[str, Any]:
        """Signal the app and wait for its line (a traced snapshot takes a moment)."""
        before = self.lines()
        assert self.proc is not None and self.probe_out is not None
        self.proc.send_signal(signal.SIGUSR2)
        for _ in range(600):
            await asyncio.sleep(0.1)
            if len(now := self.lines()) > len(before):
                return now[-1]
        return {}

    async def probe_trimmed(self) -> dict[str, Any]:
        """After the soak: a malloc_trim in the app, then probe (what memtune left in the
        arenas that a trim gives back)."""
        assert self.probe_out is not None
        self.probe_out.with_suffix(".trim").touch()
        return await self.probe()

    async def probe_released(self) -> dict[str, Any]:
        """After the soak: empty the caches in the app, then probe (w7_app._release_caches)."""
        assert self.probe_out is not None
        self.probe_out.with_suffix(".release").touch()
        return await self.probe()

    @property
    def probing(self) -> bool:
        return self.probe_out is not None

    def lines(self) -> list[dict[str, Any]]:
        if self.probe_out is None or not self.probe_out.exists():
            return []
        # Only whole lines: the app may be writing the last one as it is read.
        complete = self.probe_out.read_text().split("\n")[:-1]
        return [json.loads(x) for x in complete if x.strip()]


def probe_times(duration: float) -> tuple[float, ...]:
    """PROBE_AT within the soak, leaving out those in its last 30 s: a probe allocates a few
    MiB of its own (the sets and lists it walks the caches with), and the probe at the end
    would read them as the app's until the next trim."""
    return tuple(w for w in PROBE_AT if w <= duration - 30)


async def probe_every(app: ProbedApiApp, probes: list[dict[str, Any]], t0: float,
                      stop: asyncio.Event, at: tuple[float, ...] = PROBE_AT) -> None:
    for when in at:
        try:
            await asyncio.wait_for(stop.wait(), timeout=max(0.0, when - (time.perf_counter() - t0)))
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
        for marker in ("/site-packages/", f"{REPO_DIR}/", "/lib/python3"):
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
    """The probe lines as tables (memory, connections, caches), and with tracing the sites
    that grew between the warm-up, 30 s, minutes 1, 2, 5 and the end."""
    traced = any("traced" in p for p in probes)
    cols = [("soak_s", "t s"), ("rss", "RSS"), ("RssAnon", "anon"), ("RssFile", "file"),
            ("malloc_arena", "malloc arenas"), ("malloc_in_use", "malloc in use"),
            ("malloc_free", "malloc free"), ("malloc_mmapped", "malloc mmapped"),
            ("pymalloc_arenas", "pymalloc arenas"), ("pymalloc_live", "pymalloc live"),
            ("pymalloc_free", "pymalloc free"),
            ("blocks", "Python blocks"), ("gc_objects", "gc objects"),
            ("gc2_runs", "full collections"), ("gc2_collected", "found by them"),
            ("gc1_collected", "by gen 1"), ("modules", "modules"),
            ("os_threads", "threads"),
            ("trims", "trims"), ("trim_max_ms", "trim max ms"), ("trim_total_ms", "trims ms")]
    if traced:
        cols[2:2] = [("traced", "traced (Python heap)"), ("trace_overhead", "tracemalloc own")]
    res.table([c[1] for c in cols], [[p.get(k, "–") for k, _ in cols] for p in probes],
              title="W7 memory probes (MiB unless a count)")
    conns = [("soak_s", "t s"), ("sockets", "sockets"),
             ("pg_connections", "pg conns gc sees (not the first two)"),
             ("pg_closed_connections", "closed pg conns"), ("pg_cached_statements", "cached stmts"),
             ("server_handlers", "server conns"), ("server_last_bodies", "last bodies held"),
             ("server_last_bodies_kib", "their KiB"), ("client_idle", "client idle"),
             ("client_in_use", "client in use"), ("stream_clients", "stream clients")]
    res.table([c[1] for c in conns], [[p.get(k, "–") for k, _ in conns] for p in probes],
              title="W7 connections")
    known = {k for k, _ in cols + conns} | {"t", "rss", "threads", "snapshot", "traced_peak",
                                            "VmRSS", "VmHWM", "trims_released", "error",
                                            "new_modules", "gc0_runs", "gc0_collected", "gc1_runs"}
    caches = sorted({k for p in probes for k in p if k not in known})
    res.table(["t s", "modules imported since the probe before"],
              [[p["soak_s"], " ".join(p["new_modules"])] for p in probes if p.get("new_modules")],
              title="W7 modules imported during the soak")
    res.table(["cache", *[str(p["soak_s"]) for p in probes]],
              [[c, *[p.get(c, "–") for p in probes]] for c in caches],
              title="W7 caches by t s (entries; _kib: estimated KiB held)")
    if not traced:
        return
    timed = [j for j, p in enumerate(probes) if isinstance(p["soak_s"], (int, float))]
    marks = [0]
    for when in (30, 60, 120, 300):
        i = min(timed, key=lambda j: abs(probes[j]["soak_s"] - when))
        if i not in marks and i > marks[-1]:
            marks.append(i)
    if timed[-1] not in marks:
        marks.append(timed[-1])
    for a, b in zip(marks, marks[1:]):
        if "snapshot" not in probes[a] or "snapshot" not in probes[b]:
            continue
        res.table(["site", "grew KiB", "now KiB", "blocks +"],
                  compare_snapshots(probes[a]["snapshot"], probes[b]["snapshot"]),
                  title=f"W7 top Python allocation growth, t {probes[a]['soak_s']} s → "
                        f"{probes[b]['soak_s']} s")
