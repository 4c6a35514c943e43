"""Micro: machine instructions per home-timeline request (W6), counted by callgrind, so old and
new code compare on a busy machine (instruction counts do not depend on the load).

The W6 dataset (S by default) is seeded once. For each source tree given (`--tree`, default
this repository; e.g. an older commit's worktree), api_app runs from that tree under
`valgrind --tool=callgrind` with instrumentation off, serves `--warmup` requests (every
first and second page of every user in turn, so the entity caches fill as in the saturation
runs), then instrumentation goes on (callgrind_control), `--settle` more requests run, the
counters are zeroed and `--requests` requests are counted and dumped. The client sends them
one after another on one keep-alive connection, so the count does not depend on how requests
happen to bunch up. The clocks of the app's periodic work are slowed a hundredfold (see
w6_app.py), so it comes about as often per request as at W6's rate. Reported: Ir per request
and the functions with the most inclusive and own Ir (callgrind_annotate; cycles and unnamed
code left out). `--opcodes` runs the same sequence without valgrind and counts Python
bytecodes per function instead (bench/micro/w6_app.py), which names the Python functions
callgrind sees only as the interpreter loop.

Compare trees within one invocation: each seeds its own dataset, and counts from two
invocations differ by about 1 %. Runs of one tree on one dataset agree within 1 %. Large
copies are overweighted: valgrind counts each byte a `rep movsb` moves as an instruction.

    python -m bench.micro.w6_instructions --tree /path/to/old --tree . [--repeat 2]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import REPO_DIR, say, stop_process
from bench.db import SIZES, BenchPostgres
from bench.scenarios.w6_home_timeline import setup

APP = Path(__file__).with_name("w6_app.py")
# The app's periodic work (token refreshes, rate-limit flushes, malloc trims) runs on clocks
# slowed this much (w6_app.py), as the app runs about a hundred times slower here than in W6.
CLOCK_SCALE = 0.01


class Client:
    """Sequential GETs as the bench users, one keep-alive connection."""

    def __init__(self, port: int, pairs: list[tuple[str, str]]) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.pairs, self.next = pairs, 0

    def get(self, n: int) -> int:
        size = 0
        for _ in range(n):
            path, token = self.pairs[self.next % len(self.pairs)]
            self.next += 1
            self.conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            r = self.conn.getresponse()
            body = r.read()
            if r.status != 200:
                raise RuntimeError(f"{path}: {r.status} {body[:200]!r}")
            size += len(body)
        return size


def spawn(tree: Path, dsn: str, prefix: list[str],
          extra: list[str]) -> tuple[subprocess.Popen[str], int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMONHOLD_")}
    env["PYTHONPATH"] = str(tree)       # that tree's server and bench packages
    env["PYTHONHASHSEED"] = "0"         # same dict and set layouts in every run
    cmd = [*prefix, sys.executable, str(APP), "--dsn", dsn, "--workers", "0",
           "--max-seconds", "7200", "--clock-scale", str(CLOCK_SCALE), *extra]
    proc = subprocess.Popen(cmd, cwd=str(tree), stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        stop_process(proc)
        raise RuntimeError(f"the app from {tree} did not start")
    return proc, int(json.loads(line)["port"])


def control(pid: int, *args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(pid)], check=True, stdout=subprocess.DEVNULL,
                   timeout=600)


def total_ir(path: Path) -> int:
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


def top_functions(path: Path, top: int, *, inclusive: bool) -> list[str]:
    """callgrind_annotate's heaviest functions, without the entries of recursion cycles
    (name'2) and unnamed code, with the build paths cut down to file:function."""
    out = subprocess.run(["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}",
                          "--threshold=100", str(path)],
                         capture_output=True, text=True, check=True).stdout
    rows = []
    for ln in out.splitlines():
        m = re.match(r"^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(\S+)", ln)
        if not m or "'" in m.group(3) or m.group(3).startswith("???"):
            continue
        where = m.group(3).rsplit("/", 1)[-1]
        rows.append(f"{m.group(1):>14} {m.group(2):>6} %  {where}")
    return rows[1:top + 1] if inclusive else rows[:top]   # inclusive: the first is the program


def measure_callgrind(tree: Path, dsn: str, pairs: list[tuple[str, str]], args: argparse.Namespace,
                      out_dir: Path, label: str) -> dict[str, Any]:
    out = out_dir / f"callgrind.{label}"
    prefix = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
              "--dump-instr=no", "--compress-strings=no"]
    proc, port = spawn(tree, dsn, prefix, [])
    try:
        client = Client(port, pairs)
        t0 = time.perf_counter()
        client.get(args.warmup)
        control(proc.pid, "-i", "on")
        client.get(args.settle)
        control(proc.pid, "-z")
        size = client.get(args.requests)
        control(proc.pid, "-d", f"w6-{label}")
        wall = time.perf_counter() - t0
    finally:
        stop_process(proc, timeout=120)
    dumps = sorted(out_dir.glob(f"callgrind.{label}.*"))
    dump = next(p for p in dumps if "w6-" in p.read_text(errors="replace")[:4000])
    ir = total_ir(dump)
    return {"tree": str(tree), "label": label, "ir_per_request": ir / args.requests,
            "bytes_per_request": size / args.requests, "file": str(dump),
            "top_inclusive": top_functions(dump, args.top, inclusive=True),
            "top_self": top_functions(dump, args.top, inclusive=False), "wall_s": round(wall, 1)}


def measure_opcodes(tree: Path, dsn: str, pairs: list[tuple[str, str]], args: argparse.Namespace,
                    out_dir: Path, label: str) -> dict[str, Any]:
    import signal

    stats = out_dir / f"opcodes.{label}.json"
    proc, port = spawn(tree, dsn, [], ["--opcodes", str(stats)])
    try:
        client = Client(port, pairs)
        client.get(args.warmup + args.settle)
        proc.send_signal(signal.SIGUSR1)
        time.sleep(0.5)
        client.get(args.requests)
        proc.send_signal(signal.SIGUSR2)
        time.sleep(1.0)
    finally:
        stop_process(proc, timeout=120)
    data = json.loads(stats.read_text())
    n = args.requests
    rows = sorted(data["functions"], key=lambda r: -r["inclusive"])[:args.top]
    own = sorted(data["functions"], key=lambda r: -r["own"])[:args.top]
    return {"tree": str(tree), "label": label, "opcodes_per_request": data["total"] / n,
            "calls_per_request": data["calls"] / n,
            "top_inclusive": [f"{r['inclusive'] / n:9.0f} {r['own'] / n:8.0f} "
                              f"{r['calls'] / n:6.1f}  {r['name']}" for r in rows],
            "top_own": [f"{r['own'] / n:9.0f} {r['calls'] / n:6.1f}  {r['name']}" for r in own]}


async def seeded(size: str, vacuum: bool) -> tuple[BenchPostgres, str, list[tuple[str, str]]]:
    pg = BenchPostgres()
    await pg.__aenter__()
    dsn, pairs, _ = await setup(pg, size, vacuum=vacuum)
    return pg, dsn, pairs


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tree", action="append", type=Path,
                   help="source tree to run the app from (repeatable; default this one)")
    p.add_argument("--size", choices=sorted(SIZES), default="S")
    p.add_argument("--warmup", type=int, default=1200, help="requests before instrumenting")
    p.add_argument("--settle", type=int, default=100, help="instrumented, not counted")
    p.add_argument("--requests", type=int, default=400, help="counted requests")
    p.add_argument("--repeat", type=int, default=1, help="runs per tree (alternating)")
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--opcodes", action="store_true", help="Python bytecodes instead of callgrind")
    p.add_argument("--vacuum", action="store_true")
    p.add_argument("--json", type=Path, help="write the results here too")
    args = p.parse_args(argv)
    trees = [t.resolve() for t in (args.tree or [REPO_DIR])]
    out_dir = Path(tempfile.mkdtemp(prefix="commonhold-bench-w6ir-"))
    measure = measure_opcodes if args.opcodes else measure_callgrind

    async def run() -> list[dict[str, Any]]:
        pg, dsn, pairs = await seeded(args.size, args.vacuum)
        results = []
        try:
            for r in range(args.repeat):
                for i, tree in enumerate(trees):
                    say(f"  W6 instructions: {tree} (run {r + 1}) ...")
                    res = await asyncio.to_thread(measure, tree, dsn, pairs, args, out_dir,
                                                  f"t{i}r{r}")
                    results.append(res)
                    say(json.dumps(res, indent=1))
        finally:
            await pg.__aexit__(None, None, None)
        return results

    results = asyncio.run(run())
    key = "opcodes_per_request" if args.opcodes else "ir_per_request"
    for res in results:
        print(f"{res['label']}  {res[key]:12,.0f} per request  {res['tree']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
