"""W3: what the verify lane did during a run, for finding where a new actor's cost lands.

With BENCH_W3_TRACE naming a file, inbox_app records (until it stops, then writes JSON):
- `load`: every probe of the web load gauge (unverified/load.py): monotonic time, the
  requests-in-flight level, the loop lag, whether it answered "saturated", the CPU share,
  the known rows waiting for the inbox's write;
- `jobs`: every verify job's start and end (monotonic), and the process CPU time it spanned
  is not separable per job, so only times are kept.
The scenario reads the file after the app stops and counts the jobs that ran inside the
saturated window against those after it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

ENV = "BENCH_W3_TRACE"
_load: list[tuple[float, float, float, bool, float, float]] = []
_jobs: list[tuple[float, float]] = []


def install_from_env() -> bool:
    if not os.environ.get(ENV):
        return False
    from server.federation.activitypub.unverified import load
    from server.jobs import registry

    note = load.WebLoad.note_cpu

    def traced_note(self: Any) -> None:
        note(self)
        _load.append((time.monotonic(), self.level, self.lag, self.saturated(),
                      self.cpu_share, getattr(self, "queue_level", 0.0)))

    load.WebLoad.note_cpu = traced_note  # type: ignore[method-assign]
    handlers = registry.job_handlers

    def traced_handlers() -> dict[str, Any]:
        found = handlers()
        verify = found.get("federation.verify_inbox_item")
        if verify is not None:
            async def timed(ctx: Any, payload: Any) -> None:
                t = time.monotonic()
                try:
                    await verify(ctx, payload)
                finally:
                    _jobs.append((t, time.monotonic()))
            found["federation.verify_inbox_item"] = timed
        return found

    registry.job_handlers = traced_handlers  # type: ignore[assignment]
    return True


def dump() -> None:
    if os.environ.get(ENV):
        Path(os.environ[ENV]).write_text(json.dumps({"load": _load, "jobs": _jobs}))


def report(trace_dir: str, windows: list[tuple[str, str, float, float]]) -> None:
    """Per run window: the share of probes that said "saturated", the median level and lag,
    and the verify jobs that ended inside the window against those of the same run that
    ended after it (up to the next window)."""
    import statistics

    for mode in dict.fromkeys(w[0] for w in windows):
        ends: list[float] = []
        probes: list[Any] = []
        for name in (f"{mode}.json", f"{mode}-worker.json"):
            path = Path(trace_dir) / name
            if path.exists():
                data = json.loads(path.read_text())
                ends += [end for _, end in data["jobs"]]
                probes += data["load"]
        mine = [w for w in windows if w[0] == mode]
        for i, (_, label, t0, t1) in enumerate(mine):
            nxt = mine[i + 1][2] if i + 1 < len(mine) else float("inf")
            inside = [p for p in probes if t0 <= p[0] < t1]
            during = sum(t0 <= e < t1 for e in ends)
            after = sum(t1 <= e < nxt for e in ends)
            sat = sum(p[3] for p in inside) / max(len(inside), 1)
            level = statistics.median(p[1] for p in inside) if inside else 0.0
            lag = statistics.median(p[2] for p in inside) * 1000 if inside else 0.0
            cpu = statistics.median(p[4] for p in inside) if inside else 0.0
            queue = statistics.median(p[5] if len(p) > 5 else 0.0 for p in inside) \
                if inside else 0.0
            print(f"  trace {mode:6s} {label:11s} {t1 - t0:4.1f} s: saturated {sat:4.0%} of "
                  f"{len(inside)} probes, level median {level:6.1f}, lag median {lag:5.1f} ms, "
                  f"CPU share median {cpu:4.2f}, write queue median {queue:5.1f}; "
                  f"verify jobs ended {during} during, {after} after", flush=True)
