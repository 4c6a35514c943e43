"""Run the benchmark scenarios and print their tables as markdown.

    python -m bench.run --quick                 # every built scenario, small sizes, few runs
    python -m bench.run                         # full: 5+ runs, all cases
    python -m bench.run w4 w5 --quick           # only some
    python -m bench.run --list

Each scenario runs in its own interpreter (so CPU pinning and imports do not leak between
them) and writes bench/results/<scenario>.json; the tables are printed at the end and saved in
bench/results/latest.md. A scenario whose module does not exist is listed and skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from datetime import UTC, datetime

from bench.common import REPO_DIR, RESULTS_DIR, machine_info

# name -> (module, result file, what it measures)
SCENARIOS: dict[str, tuple[str, str, str]] = {
    "crypto": ("bench.micro.crypto_json", "micro_crypto_json", "signatures, digest, JSON per call"),
    "pg": ("bench.micro.pg", "micro_pg", "insert, home timeline, fan-out query, job queue"),
    "w1": ("bench.scenarios.w1_inbox", "w1_inbox", "inbox ingest (needs the inbox)"),
    "w2": ("bench.scenarios.w2_inbox_to_visible", "w2_inbox_to_visible",
           "inbox to home timeline (needs the inbox and the client API)"),
    "w3": ("bench.scenarios.w3_unknown_actors", "w3_unknown_actors",
           "unknown actors' keys fetched slowly (needs the inbox)"),
    "w4": ("bench.scenarios.w4_delivery", "w4_delivery", "outbound delivery to a fake fleet"),
    "w5": ("bench.scenarios.w5_fanout", "w5_fanout", "post + local fan-out into home feeds"),
    "w5api": ("bench.scenarios.w5_api", "w5_api",
              "POST /api/v1/statuses over HTTP, open loop; 10k followers sent-to-visible"),
    "w6": ("bench.scenarios.w6_home_timeline", "w6_home_timeline",
           "GET /api/v1/timelines/home, first and next pages, wrk and open loop"),
    "stream": ("bench.scenarios.streaming", "streaming",
               "1,000 SSE user streams: events/s and POST-to-event delay"),
    "w7": ("bench.scenarios.w7_soak", "w7_soak",
           "mixed soak: reads, signed inbox POSTs, posts, favourites (--quick: 60 s)"),
    "w8": ("bench.scenarios.w8_footprint", "w8_footprint", "start-up, RSS, /health vs hello world"),
}
DEFAULT_ORDER = ["crypto", "pg", "w4", "w5", "w8", "w1", "w2", "w3", "w5api", "w6", "stream",
                 "w7"]


def available(name: str) -> bool:
    return importlib.util.find_spec(SCENARIOS[name][0]) is not None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Run Commonhold's benchmarks")
    p.add_argument("names", nargs="*", help=f"scenarios ({', '.join(DEFAULT_ORDER)}); default all")
    p.add_argument("--quick", action="store_true", help="small sizes and fewer runs (CI smoke)")
    p.add_argument("--list", action="store_true")
    p.add_argument("--size", choices=["S", "M", "L"], help="dataset for pg and w5 (default S)")
    p.add_argument("--timeout", type=float, default=3600, help="per scenario, seconds")
    args, extra = p.parse_known_args(argv)
    if args.list:
        for name in DEFAULT_ORDER:
            _, _, what = SCENARIOS[name]
            print(f"{name:7} {'ready' if available(name) else 'not built yet':14} {what}")
        return 0
    names = args.names or DEFAULT_ORDER
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        p.error(f"unknown scenario {unknown[0]!r}")
    tables: list[str] = []
    failed: list[str] = []
    for name in names:
        module, result_name, what = SCENARIOS[name]
        if not available(name):
            print(f"[{name}] skipped: {module} is not built yet ({what})", file=sys.stderr)
            continue
        cmd = [sys.executable, "-m", module, *(["--quick"] if args.quick else [])]
        if args.size and name in ("pg", "w5", "w5api", "w6", "stream", "w7"):
            cmd += ["--size", args.size]
        cmd += extra
        print(f"[{name}] {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=str(REPO_DIR), stdout=subprocess.DEVNULL,
                                  timeout=args.timeout)
        except subprocess.TimeoutExpired:
            failed.append(f"{name} (timed out)")
            continue
        if proc.returncode != 0:
            failed.append(f"{name} (exit {proc.returncode})")
            continue
        data = json.loads((RESULTS_DIR / f"{result_name}.json").read_text())
        print(f"[{name}] done in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        tables += data["tables"]
        tables += [f"_{n}_" for n in data.get("notes", [])]
    info = machine_info()
    header = (f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {'quick' if args.quick else 'full'}; "
              f"{info['cpu']} ×{info['cpus']}, Python {info['python']}, commit {info['commit']}, "
              f"pinned: {'yes' if info['pinned'] else 'no'}, load average {info['loadavg']:.1f}")
    text = header + "\n\n" + "\n\n".join(tables) + "\n"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "latest.md").write_text(text)
    print(text)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
