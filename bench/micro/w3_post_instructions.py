"""Micro: what one inbox POST costs, known sender against new sender (W3), in machine
instructions (callgrind) and, with a server that has pg_stat_statements, in PostgreSQL time
per statement; and what verifying a new sender's POST later costs the worker.

Two processes run under `valgrind --tool=callgrind` with instrumentation off until the
warm-up is done: the web side (inbox_app, no job workers) and the verify worker (inbox_app
`--no-web`, the verify jobs only, as `commonhold worker` runs them), both on the database
W1 seeds, with the fake fleet (TLS, no latency) serving the new actors. The client sends
the POSTs one after another on one keep-alive connection, so no two share a group commit:
the per-POST figures are the unbatched ones (at saturation known POSTs share commits).
Phases, each counted in both processes and dumped:

- `known`: `--posts` activities from seeded actors (key remembered by the process);
- `unknown`: `--posts` activities, each from a brand-new actor on its own fleet host: the web
  process keeps them (inbox_unverified) and the worker fetches each key (a new TLS
  connection), verifies and hands the activity over; counted until none waits;
- `unknownkept`: the same with other new actors on those same hosts (kept-alive
  connections, as when a server's second new account writes).

The fleet's CPU time per POST is printed too (its TLS handshakes and actor documents share
the load core with PostgreSQL and the load generator in W3).

With COMMONHOLD_BENCH_DATABASE_URL naming a server that preloads pg_stat_statements (see
w6_statements.py), PostgreSQL's calls and execution time per POST are printed by statement.

    python -m bench.micro.w3_post_instructions [--posts 100] [--annotate web-unknown]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from bench.common import process_meter, say, spawn_app, stop_process
from bench.db import ENV_URL, BenchPostgres
from bench.fakes.fleet import FleetProcess
from bench.scenarios.inbox_common import key_pool, mixed_specs, now_tag, sign_all
from bench.scenarios.w1_inbox import _setup

VERIFY_KIND = "federation.verify_inbox_item"


def _spawn(cmd: list[str]) -> tuple[subprocess.Popen[str], int]:
    # a fixed hash seed: the two processes' dict layouts, so their instruction counts, repeat
    return spawn_app(cmd, cmd[-1], env_extra={"PYTHONHASHSEED": "0"})


def _ctl(pid: int, *args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(pid)], check=True,
                   stdout=subprocess.DEVNULL, timeout=600)


def _post(conn: http.client.HTTPConnection, signed: list[Any]) -> dict[int, int]:
    statuses: dict[int, int] = {}
    for s in signed:
        conn.request("POST", "/inbox", body=s.body, headers=s.headers)
        r = conn.getresponse()
        r.read()
        statuses[r.status] = statuses.get(r.status, 0) + 1
    return statuses


async def _waiting(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT count(*) FROM inbox_unverified")
    finally:
        await conn.close()


def _drain(dsn: str, limit: float = 600.0) -> None:
    t0 = time.perf_counter()
    while asyncio.run(_waiting(dsn)) and time.perf_counter() - t0 < limit:
        time.sleep(0.2)


STATEMENTS = """
SELECT s.query, s.calls, s.total_exec_time FROM pg_stat_statements s
  JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 AND s.calls > 0
"""


async def _stats(admin: str, dbname: str, reset: bool) -> list[tuple[str, int, float]]:
    conn = await asyncpg.connect(admin)
    try:
        if reset:
            await conn.execute("SELECT pg_stat_statements_reset()")
            return []
        rows = await conn.fetch(STATEMENTS, dbname)
        return [(r["query"], r["calls"], r["total_exec_time"]) for r in rows]
    finally:
        await conn.close()


def _ir(path: Path) -> int:
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    return 0


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--posts", type=int, default=100)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--annotate", help="print callgrind_annotate for this dump (e.g. web-unknown)")
    args = p.parse_args(argv)
    out_dir = Path(tempfile.mkdtemp(prefix="commonhold-bench-w3post-"))
    with_stats = bool(os.environ.get(ENV_URL))

    async def main_async() -> None:
        async with BenchPostgres() as pg:
            dsn = await _setup(pg, 1000, f"w3post{now_tag()}")
            dbname = urlsplit(dsn).path.lstrip("/")
            async with FleetProcess(tls=True, fetch_latency_ms=0, max_seconds=3600,
                                    actor_public_pem=key_pool()[0][1]) as fleet:
                cert = out_dir / "cert.pem"
                cert.write_text(fleet.cert_pem or "")
                await asyncio.to_thread(_measure, dsn, fleet, cert, pg.admin_dsn, dbname)

    def _measure(dsn: str, fleet: FleetProcess, cert: Path, admin: str, dbname: str) -> None:
        base = [sys.executable, "-m", "bench.scenarios.inbox_app", "--dsn", dsn,
                "--max-seconds", "7200", "--fleet-ports", ",".join(map(str, fleet.ports)),
                "--cert-file", str(cert)]

        def vg(name: str) -> list[str]:
            return ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--dump-instr=no",
                    f"--callgrind-out-file={out_dir / ('cg.' + name)}", "--compress-strings=no"]

        web, port = _spawn([*vg("web"), *base, "--workers", "0"])
        worker, _ = _spawn([*vg("worker"), *base, "--no-web", "--workers", "32", "--only-kinds",
                            VERIFY_KIND])
        procs = {"web": web, "worker": worker}
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            tag = now_tag()

            def batch(label: str, n: int, unknown: bool, hosts: str = "") -> list[Any]:
                specs = mixed_specs(n, 1000, f"{tag}{label}", unknown_every=1 if unknown else 0,
                                    n_unknown=10**9)
                # a new actor each, on a host of its own (named by `hosts`, default the
                # label: a host not contacted before, so a new TLS connection per fetch)
                specs = [(k, a.replace("/users/n", f"/users/n{tag}{label}x").replace(
                    "https://r", f"https://r{hosts or label}"), i, t) for k, a, i, t in specs]
                return sign_all(specs)

            say("  warm-up ...")
            _post(conn, batch("wk", args.warmup, False))
            _post(conn, batch("wu", args.warmup // 4, True))
            _drain(dsn)
            for proc in procs.values():
                _ctl(proc.pid, "-i", "on")
            _post(conn, batch("sk", 20, False))
            _post(conn, batch("su", 5, True))
            _drain(dsn)
            for phase, unknown, hosts in (("known", False, ""), ("unknown", True, "un"),
                                          ("unknownkept", True, "un")):
                signed = batch(phase[:2] + phase[-2:], args.posts, unknown, hosts)
                if with_stats:
                    asyncio.run(_stats(admin, dbname, True))
                for proc in procs.values():
                    _ctl(proc.pid, "-z")
                fleet_cpu = process_meter(fleet.proc.pid)  # type: ignore[union-attr]
                fleet_cpu.start()
                statuses = _post(conn, signed)
                _drain(dsn)
                time.sleep(0.5)
                print(f"fleet, {phase}: {fleet_cpu.stop() / args.posts * 1e6:8.0f} µs of CPU "
                      "per POST (the key servers' side, on the load core)")
                for name, proc in procs.items():
                    _ctl(proc.pid, "-d", f"{name}-{phase}")
                say(f"  {phase}: answers {statuses}")
                if with_stats:
                    rows = asyncio.run(_stats(admin, dbname, False))
                    total = sum(r[2] for r in rows)
                    print(f"PostgreSQL, {phase}: {total * 1000 / args.posts:8.1f} µs per POST "
                          f"(execution; all statements)")
                    for query, calls, ms in sorted(rows, key=lambda r: -r[2])[:12]:
                        print(f"  {ms * 1000 / args.posts:8.1f} µs {calls / args.posts:5.2f}×  "
                              f"{' '.join(query.split())[:110]}")
        finally:
            for proc in procs.values():
                stop_process(proc, timeout=120)

    asyncio.run(main_async())
    for dump in sorted(out_dir.glob("cg.*")):
        text = dump.read_text(errors="replace")[:4000]
        label = re.search(r"^desc: Trigger: dump (\S+)", text, re.M)
        if not label or "-" not in label.group(1):
            continue
        print(f"{label.group(1):16s} {_ir(dump) / args.posts / 1e6:7.3f} M Ir per POST")
        if args.annotate == label.group(1):
            print(subprocess.run(["callgrind_annotate", "--inclusive=yes", str(dump)],
                                 capture_output=True, text=True).stdout[:20000])


if __name__ == "__main__":
    main()
