"""W3: where each core's CPU went during a run, per second of the run window.

Per process (exact, from /proc: utime + stime of the process and its threads, and of its
children for PostgreSQL's backends): the web app (core 0), the worker process of `split`,
PostgreSQL, the fake fleet; wrk as the children this scenario reaped meanwhile
(getrusage RUSAGE_CHILDREN: wrk is the only child that ends inside a window); this process
itself. Beside them each core's busy time from /proc/stat, which also holds whatever else
the machine ran meanwhile (other users' work): `other` is that core's busy time less the
processes pinned to it, so a saturated core 1 shows, and who saturated it.
"""

from __future__ import annotations

import os
import resource
import time
from typing import Any

from bench.common import APP_CORE, LOAD_CORE, pg_meter, process_meter

TICK = os.sysconf("SC_CLK_TCK")


def _core_busy() -> dict[int, float]:
    busy = {}
    with open("/proc/stat") as fh:
        for line in fh:
            if line.startswith("cpu") and line[3].isdigit():
                name, *vals = line.split()
                v = [int(x) for x in vals]
                idle = v[3] + (v[4] if len(v) > 4 else 0)
                busy[int(name[3:])] = (sum(v[:8]) - idle) / TICK
    return busy


class CoreMeter:
    """start() before the window, stop() after: CPU seconds per second of the window."""

    def __init__(self, *, web_pid: int, pg_pid: int | None, fleet_pid: int | None,
                 worker_pid: int | None, worker_core: int) -> None:
        self.meters: dict[str, Any] = {"web": process_meter(web_pid)}
        if pg_pid is not None:
            self.meters["pg"] = pg_meter(pg_pid)
        if fleet_pid is not None:
            self.meters["fleet"] = process_meter(fleet_pid)
        if worker_pid is not None:
            self.meters["worker"] = process_meter(worker_pid)
        self.worker_core = worker_core
        self.out: dict[str, float] = {}

    def start(self) -> None:
        for m in self.meters.values():
            m.start()
        self._wall = time.perf_counter()
        self._cores = _core_busy()
        self._kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._self = time.process_time()

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self._wall
        cores = _core_busy()
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = {name: m.stop() / wall for name, m in self.meters.items()}
        out["wrk"] = (kids.ru_utime + kids.ru_stime - self._kids.ru_utime
                      - self._kids.ru_stime) / wall
        out["load"] = (time.process_time() - self._self) / wall
        for core in (APP_CORE, LOAD_CORE):
            out[f"core{core}"] = (cores.get(core, 0.0) - self._cores.get(core, 0.0)) / wall
        on_load = ["pg", "fleet", "wrk", "load"] + (["worker"] if self.worker_core == LOAD_CORE
                                                    else [])
        out[f"other{APP_CORE}"] = out[f"core{APP_CORE}"] - out["web"]
        out[f"other{LOAD_CORE}"] = out[f"core{LOAD_CORE}"] - sum(out.get(n, 0.0) for n in on_load)
        self.out = out
        return out

    def line(self) -> str:
        o = self.out
        parts = [f"core{APP_CORE} {o[f'core{APP_CORE}']:.2f} (web {o['web']:.2f}, other "
                 f"{o[f'other{APP_CORE}']:.2f})",
                 f"core{LOAD_CORE} {o[f'core{LOAD_CORE}']:.2f} (pg {o.get('pg', 0):.2f}, "
                 f"fleet {o.get('fleet', 0):.2f}, wrk {o['wrk']:.2f}, load {o['load']:.2f}"
                 + (f", worker {o['worker']:.2f}" if "worker" in o else "")
                 + f", other {o[f'other{LOAD_CORE}']:.2f})"]
        return "CPU s/s: " + "; ".join(parts)
