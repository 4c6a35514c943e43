"""How steady the machine itself is: a fixed piece of work repeated on each core, counted per
10 ms window, with nothing else of ours running.

On a virtual machine the host may take a core away for a while (other guests on the same
physical cores, its own work) without the guest's /proc/stat showing steal. Inside a
benchmark that looks like everything at once getting slower: the app's and PostgreSQL's CPU
per request rise together, the generator sends late whatever its priority, and an open-loop
run at half load queues for as long as it lasts. This tells how often and how long such
episodes are on the machine at hand, so a latency tail can be read against them; run it
before or after a benchmark (it uses both cores while it runs).

    python -m bench.hostnoise --seconds 30
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
from typing import Any

from bench.common import APP_CORE, LOAD_CORE

WINDOW = 0.01
SLOW = 0.8   # a window doing less than this share of the median's work is slow


def _count(core: int, seconds: float, out: Any) -> None:
    os.sched_setaffinity(0, {core})
    counts: list[tuple[float, int]] = []
    clock = time.perf_counter
    end = clock() + seconds
    while (start := clock()) < end:
        n = 0
        while clock() - start < WINDOW:
            sum(range(2000))
            n += 1
        counts.append((start, n))
    out.put((core, counts))


def episodes(counts: list[tuple[float, int]]) -> dict[str, Any]:
    """Speed per window as a share of the median window, and the runs of slow windows."""
    ordered = sorted(n for _, n in counts)
    median = ordered[len(ordered) // 2] or 1
    runs: list[tuple[int, float]] = []   # (windows, mean speed)
    length, total = 0, 0.0
    for _, n in [*counts, (0.0, median)]:   # a last fast window ends the last run
        speed = n / median
        if speed < SLOW:
            length, total = length + 1, total + speed
        elif length:
            runs.append((length, total / length))
            length, total = 0, 0.0
    def share(q: float) -> float:
        return ordered[int(q * (len(ordered) - 1))] / median
    return {"windows": len(counts), "p1": share(0.01), "p5": share(0.05),
            "slow_share": sum(1 for _, n in counts if n / median < SLOW) / max(len(counts), 1),
            "episodes": len(runs), "episodes_50ms": sum(1 for w, _ in runs if w >= 5),
            "longest_ms": max((w for w, _ in runs), default=0) * WINDOW * 1000,
            "speed_in_episodes": (sum(w * s for w, s in runs) / sum(w for w, _ in runs)
                                  if runs else 1.0)}


def measure(seconds: float) -> dict[int, dict[str, Any]]:
    out: Any = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_count, args=(core, seconds, out))
             for core in (APP_CORE, LOAD_CORE)]
    for p in procs:
        p.start()
    results = dict(out.get(timeout=seconds + 30) for _ in procs)
    for p in procs:
        p.join()
    return {core: episodes(counts) for core, counts in results.items()}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=30.0)
    args = p.parse_args(argv)
    if not 1 <= args.seconds <= 600:
        raise SystemExit("hostnoise: --seconds must be between 1 and 600")
    rows = measure(args.seconds)
    print(f"| core | 10 ms windows | speed p1 | speed p5 | windows under {SLOW:.0%} | "
          "slow episodes | of them ≥ 50 ms | longest ms | speed in episodes |")
    print("|---|---|---|---|---|---|---|---|---|")
    for core, r in sorted(rows.items()):
        print(f"| {core} | {r['windows']:,} | {r['p1']:.2f} | {r['p5']:.2f} | "
              f"{r['slow_share'] * 100:.1f} % | {r['episodes']} | {r['episodes_50ms']} | "
              f"{r['longest_ms']:.0f} | {r['speed_in_episodes']:.2f} |")


if __name__ == "__main__":
    main()
