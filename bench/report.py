"""Compare the ratios in bench/results/*.json with bench/baseline.json.

    python -m bench.report                  # table of ratios; exit 1 on a regression
    python -m bench.report --tolerance 0.3  # allowed relative change (default 0.30)
    python -m bench.report --update         # write the current ratios as the new baseline

Ratios are unitless figures measured within one run (e.g. /health req/s over hello-world req/s,
a delivery's app CPU over one RSA-2048 signature), so they move far less with the machine
and its neighbours than absolute numbers. A ratio regresses when it moves the wrong way by
more than the tolerance; a ratio missing from the results is reported, not failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.common import BENCH_DIR, RESULTS_DIR, machine_info, markdown_table

BASELINE = BENCH_DIR / "baseline.json"


def current() -> tuple[dict[str, float], set[str]]:
    ratios: dict[str, float] = {}
    lower: set[str] = set()
    for path in sorted(RESULTS_DIR.glob("*.json")):
        data = json.loads(path.read_text())
        ratios.update(data.get("ratios", {}))
        lower.update(data.get("lower_is_better", []))
    return ratios, lower


def compare(base: dict[str, Any], now: dict[str, float], tolerance: float) -> tuple[list[list[str]], int]:
    rows, bad = [], 0
    lower = set(base.get("lower_is_better", []))
    for name, ref in sorted(base["ratios"].items()):
        value = now.get(name)
        if value is None:
            rows.append([name, f"{ref:.3g}", "–", "–", "not measured"])
            continue
        change = value / ref - 1 if ref else 0.0
        worse = change > tolerance if name in lower else change < -tolerance
        bad += worse
        rows.append([name, f"{ref:.3g}", f"{value:.3g}", f"{change:+.0%}",
                     "REGRESSION" if worse else "ok"])
    return rows, bad


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Compare benchmark ratios with the baseline")
    p.add_argument("--tolerance", type=float, default=None)
    p.add_argument("--update", action="store_true", help="store the current ratios as the baseline")
    p.add_argument("--baseline", type=Path, default=BASELINE)
    args = p.parse_args(argv)
    now, lower = current()
    if args.update:
        data = {"note": "ratios from bench/results/*.json; see bench/README.md",
                "machine": machine_info(), "tolerance": args.tolerance or 0.30,
                "lower_is_better": sorted(lower & set(now)), "ratios": dict(sorted(now.items()))}
        args.baseline.write_text(json.dumps(data, indent=2) + "\n")
        print(f"baseline written: {args.baseline} ({len(now)} ratios)")
        return 0
    if not args.baseline.exists():
        print(f"no baseline at {args.baseline}; run with --update first", file=sys.stderr)
        return 2
    base = json.loads(args.baseline.read_text())
    tolerance = args.tolerance if args.tolerance is not None else base.get("tolerance", 0.30)
    rows, bad = compare(base, now, tolerance)
    print(markdown_table(["ratio", "baseline", "now", "change", f"verdict (±{tolerance:.0%})"], rows))
    extra = sorted(set(now) - set(base["ratios"]))
    if extra:
        print("\nnot in the baseline yet: " + ", ".join(extra))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
