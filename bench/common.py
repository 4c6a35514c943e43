"""Shared benchmark plumbing: CPU pinning, /proc CPU-time and RSS sampling, run statistics,
the JSON result schema and a markdown table printer.

Pinning is best effort: on a machine with two or more usable cores the app gets core 0 and
PostgreSQL plus the load generator (fake fleet, HTTP client) get core 1. On one core, or when
the kernel refuses, everything shares and the results say so (`pinned: false`).
"""

from __future__ import annotations

import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
SCHEMA_VERSION = 1

APP_CORE = 0
LOAD_CORE = 1


# --------------------------------------------------------------------------- pinning

# The cores this process may use as it starts. Read once: a scenario pins itself to the load
# core first, and asking its affinity afterwards would say one core, so the app and
# PostgreSQL would inherit the load core instead of being pinned (all of W1 on one core).
_USABLE = sorted(os.sched_getaffinity(0))


def usable_cores() -> list[int]:
    return list(_USABLE)


def can_pin() -> bool:
    cores = usable_cores()
    return APP_CORE in cores and LOAD_CORE in cores


def _tasks(pid: int) -> list[int]:
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return [pid]


def pin(pid: int, core: int) -> bool:
    """Pin every thread of `pid` to `core`; False when not possible (one core, refused)."""
    if not can_pin():
        return False
    ok = True
    for tid in _tasks(pid):
        try:
            os.sched_setaffinity(tid, {core})
        except OSError:
            ok = False
    return ok


def pin_self(core: int = APP_CORE) -> bool:
    return pin(os.getpid(), core)


def pin_tree(pid: int, core: int) -> bool:
    """Pin a process and its current children (PostgreSQL's postmaster and backends).
    Backends forked later inherit the postmaster's affinity."""
    ok = pin(pid, core)
    for child in children_of(pid):
        ok = pin(child, core) and ok
    return ok


def taskset_prefix(core: int) -> list[str]:
    """A command prefix that starts a subprocess on `core`, or nothing when we cannot pin."""
    if can_pin() and Path("/usr/bin/taskset").exists():
        return ["taskset", "-c", str(core)]
    return []


# --------------------------------------------------------------------------- /proc sampling

def stop_process(proc: subprocess.Popen[Any] | None, *, timeout: float = 30) -> None:
    """SIGTERM a process we started (by its handle, so by PID), then kill it if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def spawn_app(cmd: list[str], name: str, *,
              env_extra: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], int]:
    """Start a bench app process in the repository, without this shell's COMMONHOLD_
    settings (plus `env_extra`), and read the port it announces on its first line of output
    (JSON)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMONHOLD_")}
    env.update(env_extra or {})
    proc = subprocess.Popen(cmd, cwd=str(REPO_DIR), stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        stop_process(proc)
        raise RuntimeError(f"{name} did not start")
    return proc, int(json.loads(line)["port"])


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                raw = fh.read()
        except OSError:
            continue
        fields_ = raw[raw.rfind(b")") + 2:].split()
        if int(fields_[1]) == pid:
            found.append(int(entry))
    return found


def _stat_fields(pid: int) -> list[bytes] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read()
    except OSError:
        return None
    # Fields after "(comm)": state is index 0, so utime (field 14) is index 11.
    return raw[raw.rfind(b")") + 2:].split()


def proc_cpu_seconds(pid: int, *, with_children: bool = False) -> float:
    f = _stat_fields(pid)
    if f is None:
        return 0.0
    ticks = int(f[11]) + int(f[12])
    if with_children:
        ticks += int(f[13]) + int(f[14])  # reaped children (exited PostgreSQL backends)
    return ticks / CLK_TCK


def proc_rss_mib(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE_KIB / 1024
    except OSError:
        return 0.0


def proc_status_mib(pid: int, keys: tuple[str, ...] = ("VmRSS", "RssAnon", "RssFile", "VmHWM")) -> dict[str, float]:
    """Memory lines of /proc/<pid>/status in MiB: RSS split into anonymous memory (heap,
    arenas, stacks) and file pages (mapped libraries), and the peak RSS (VmHWM)."""
    out: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                name, _, rest = line.partition(":")
                if name in keys:
                    out[name] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return out


@dataclass
class CpuMeter:
    """CPU seconds used by a set of processes between `start()` and `stop()`.

    `pids` is called at each sample so backends that appear later are counted; a PostgreSQL
    group is the postmaster (with its reaped children) plus its live children.
    """

    pids: Callable[[], Iterable[int]]
    root_with_children: int | None = None
    _start: float = 0.0
    seconds: float = 0.0

    def sample(self) -> float:
        total = 0.0
        for pid in self.pids():
            total += proc_cpu_seconds(pid, with_children=(pid == self.root_with_children))
        return total

    def start(self) -> None:
        self._start = self.sample()

    def stop(self) -> float:
        self.seconds = self.sample() - self._start
        return self.seconds


def self_meter() -> CpuMeter:
    pid = os.getpid()
    return CpuMeter(lambda: [pid])


def pg_meter(postmaster_pid: int | None) -> CpuMeter | None:
    if postmaster_pid is None:
        return None
    return CpuMeter(lambda: [postmaster_pid, *children_of(postmaster_pid)],
                    root_with_children=postmaster_pid)


def process_meter(pid: int) -> CpuMeter:
    return CpuMeter(lambda: [pid, *children_of(pid)], root_with_children=pid)


class SelfCpu:
    """This process's CPU (all threads) with sub-tick precision."""

    def __init__(self) -> None:
        self._t0 = 0.0
        self.seconds = 0.0

    def start(self) -> None:
        self._t0 = time.process_time()

    def stop(self) -> float:
        self.seconds = time.process_time() - self._t0
        return self.seconds


# --------------------------------------------------------------------------- statistics

def summarize(values: Sequence[float]) -> dict[str, Any]:
    vals = [float(v) for v in values]
    if not vals:
        return {"median": None, "min": None, "max": None, "n": 0, "runs": []}
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals),
            "runs": vals}


def percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(q / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def runs_for(quick: bool, full: int = 5, fast: int = 3) -> int:
    return fast if quick else full


# --------------------------------------------------------------------------- results

@dataclass
class Result:
    """One scenario's figures. Metrics hold run summaries; `ratios` are unitless figures that
    report.py compares with bench/baseline.json (higher is better unless listed in
    `lower_is_better`)."""

    scenario: str
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    lower_is_better: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)

    def metric(self, name: str, values: Sequence[float] | float, unit: str) -> dict[str, Any]:
        vals = [values] if isinstance(values, (int, float)) else list(values)
        summary = summarize(vals) | {"unit": unit}
        self.metrics[name] = summary
        return summary

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA_VERSION, "scenario": self.scenario,
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": machine_info(), "params": self.params, "metrics": self.metrics,
                "ratios": self.ratios, "lower_is_better": self.lower_is_better,
                "notes": self.notes, "tables": self.tables}

    def write(self) -> Path:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"{self.scenario}.json"
        path.write_text(json.dumps(self.to_json(), indent=2, default=str) + "\n")
        return path

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "") -> str:
        text = markdown_table(headers, rows)
        if title:
            text = f"**{title}**\n\n{text}"
        self.tables.append(text)
        return text


_MACHINE: dict[str, Any] | None = None


def machine_info() -> dict[str, Any]:
    global _MACHINE
    if _MACHINE is None:
        model = ""
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        try:
            commit = subprocess.run(["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"],
                                    capture_output=True, text=True, timeout=5).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            commit = ""
        _MACHINE = {"cpu": model, "cpus": os.cpu_count(), "usable_cores": usable_cores(),
                    "pinned": can_pin(), "python": platform.python_version(),
                    "platform": platform.platform(), "commit": commit}
    return _MACHINE | {"loadavg": os.getloadavg()[0]}


# --------------------------------------------------------------------------- tables

def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:  # nan
            return "–"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.{digits - 1}f}" if abs(value) >= 1 else f"{value:.{digits}f}"
    return str(value)


def mmm(summary: dict[str, Any], scale: float = 1.0) -> str:
    """'median (min–max)' for a run summary."""
    if not summary or summary.get("median") is None:
        return "–"
    med, lo, hi = (summary[k] * scale for k in ("median", "min", "max"))
    if summary.get("n", 1) <= 1 or lo == hi:
        return fmt(med)
    return f"{fmt(med)} ({fmt(lo)}–{fmt(hi)})"


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    cells = [[c if isinstance(c, str) else fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
    out = [line(list(headers)), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in cells]
    return "\n".join(out)


def say(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)


def time_op(fn: Callable[[], Any], *, runs: int, min_time: float = 0.2) -> list[float]:
    """µs per call of a synchronous `fn`, one figure per run; each run loops for ≥ min_time."""
    fn()  # warm up (imports, caches)
    n = 1
    while True:  # calibrate the loop count
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt_ = time.perf_counter() - t0
        if dt_ >= min_time / 4:
            break
        n *= 4
    loops = max(1, int(n * min_time / max(dt_, 1e-9)))
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        out.append((time.perf_counter() - t0) / loops * 1e6)
    return out
