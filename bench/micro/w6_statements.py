"""Micro: PostgreSQL's side of a home-timeline request (W6), by statement: the calls, execution
and planning time (pg_stat_statements) per request, first pages and `max_id` pages apart, for
one or more source trees on one seeded dataset.

pgserver's PostgreSQL has no pg_stat_statements, so this needs COMMONHOLD_BENCH_DATABASE_URL
naming a server that preloads it (shared_preload_libraries = 'pg_stat_statements', the
extension created in the database of that URL), as bench/scenarios/w5_profile.py does.

Each tree's app (bench/micro/w6_app.py, without valgrind) serves `--warmup` requests (every
first and second page of every user, so the caches and the connections' prepared statements
are warm), then `--requests` first pages and `--requests` second pages, one after another on
one keep-alive connection, with the statistics read before and after each. The client also
times each request (sequential, so no queueing: app + PostgreSQL + round trips).

    COMMONHOLD_BENCH_DATABASE_URL=postgresql://postgres@/postgres?host=/tmp/pg&port=5432 \\
        python -m bench.micro.w6_statements --tree /path/to/old --tree . [--repeat 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from bench.common import REPO_DIR, say, stop_process
from bench.db import ENV_URL, SIZES
from bench.micro.w6_instructions import Client, seeded, spawn

STATS = """
SELECT queryid, query, calls, total_exec_time, plans, total_plan_time, rows
  FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
 WHERE d.datname = $1
"""


class TimedClient(Client):
    def timed(self, pairs: list[tuple[str, str]]) -> list[float]:
        out = []
        for path, token in pairs:
            t = time.perf_counter()
            self.conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            r = self.conn.getresponse()
            body = r.read()
            out.append(time.perf_counter() - t)
            if r.status != 200:
                raise RuntimeError(f"{path}: {r.status} {body[:200]!r}")
        return out


async def snapshot(admin: asyncpg.Connection, db: str) -> dict[int, Any]:
    return {r["queryid"]: r for r in await admin.fetch(STATS, db)}


def per_request(before: dict[int, Any], after: dict[int, Any], n: int) -> list[dict[str, Any]]:
    out = []
    for qid, r in after.items():
        b = before.get(qid)
        calls = r["calls"] - (b["calls"] if b else 0)
        if calls <= 0:
            continue
        q = " ".join(r["query"].split())
        if "pg_stat_statements" in q:
            continue
        exec_ms = r["total_exec_time"] - (b["total_exec_time"] if b else 0.0)
        plan_ms = r["total_plan_time"] - (b["total_plan_time"] if b else 0.0)
        plans = r["plans"] - (b["plans"] if b else 0)
        out.append({"query": q[:110], "calls": calls / n, "exec_us": exec_ms * 1000 / n,
                    "plan_us": plan_ms * 1000 / n, "plans": plans / n,
                    "rows": (r["rows"] - (b["rows"] if b else 0)) / n})
    return sorted(out, key=lambda x: -(x["exec_us"] + x["plan_us"]))


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] * 1000


async def measure(tree: Path, dsn: str, pairs: list[tuple[str, str]],
                  args: argparse.Namespace) -> dict[str, Any]:
    db = urlsplit(dsn).path.lstrip("/")
    admin = await asyncpg.connect(os.environ[ENV_URL])
    proc, port = await asyncio.to_thread(spawn, tree, dsn, [], [])
    try:
        client = TimedClient(port, pairs)
        await asyncio.to_thread(client.get, args.warmup)
        firsts = [p for p in pairs if "max_id" not in p[0]]
        nexts = [p for p in pairs if "max_id" in p[0]]
        out: dict[str, Any] = {"tree": str(tree)}
        for kind, chosen in (("first", firsts), ("max_id", nexts)):
            chosen = (chosen * (args.requests // max(len(chosen), 1) + 1))[:args.requests]
            before = await snapshot(admin, db)
            times = await asyncio.to_thread(client.timed, chosen)
            after = await snapshot(admin, db)
            rows = per_request(before, after, len(chosen))
            out[kind] = {"statements": sum(r["calls"] for r in rows),
                         "pg_us": sum(r["exec_us"] + r["plan_us"] for r in rows),
                         "client_p50_ms": pct(times, 0.5), "client_p90_ms": pct(times, 0.9),
                         "by_statement": rows}
    finally:
        await asyncio.to_thread(lambda: stop_process(proc, timeout=60))
        await admin.close()
    return out


async def explain(dsn: str, pairs: list[tuple[str, str]], now: Any) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of list_home_page for one viewer's first and next page, as
    the app runs it (generic plan: the connection prepares it), after the measured runs."""
    from server.api.statusviews.queries import Q

    conn = await asyncpg.connect(dsn)
    try:
        # a viewer halfway through the users, whose next page starts at this cursor
        nxt = next(p for p in pairs[len(pairs) // 2:] if "max_id" in p[0])
        max_id = int(nxt[0].rsplit("max_id=", 1)[1])
        viewer = await conn.fetchval("SELECT min(account_id) FROM home_feed WHERE status_id = $1",
                                     max_id)
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        for label, cursor in (("first page", None), ("max_id page", max_id)):
            plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) "
                                    + Q["list_home_page"], viewer, cursor, None, 20, now)
            print(f"\n-- list_home_page, {label}, viewer {viewer}")
            for r in plan:
                line = r[0]
                if "Buffers" in line or "->" in line or "Execution" in line or "Planning" in line \
                        or not line.startswith(" "):
                    print("   " + line[:150])
    finally:
        await conn.close()


def show(res: dict[str, Any]) -> None:
    print(f"\n== {res['tree']}")
    for kind in ("first", "max_id"):
        k = res[kind]
        print(f"  {kind}: {k['statements']:.2f} statements, {k['pg_us']:.0f} µs PostgreSQL per "
              f"request; sequential client p50 {k['client_p50_ms']:.2f} ms, "
              f"p90 {k['client_p90_ms']:.2f} ms")
        for r in k["by_statement"]:
            print(f"    {r['calls']:5.2f} calls {r['exec_us']:7.1f} µs exec {r['plan_us']:6.1f} µs "
                  f"plan ({r['plans']:.2f}) {r['rows']:6.1f} rows  {r['query']}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tree", action="append", type=Path)
    p.add_argument("--size", choices=sorted(SIZES), default="S")
    p.add_argument("--warmup", type=int, default=1500)
    p.add_argument("--requests", type=int, default=1000, help="of each kind")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--vacuum", action="store_true")
    p.add_argument("--json", type=Path)
    p.add_argument("--explain", action="store_true",
                   help="EXPLAIN (ANALYZE, BUFFERS) of the page query after the runs")
    args = p.parse_args(argv)
    if not os.environ.get(ENV_URL):
        raise SystemExit(f"{ENV_URL} must name a server with pg_stat_statements")
    trees = [t.resolve() for t in (args.tree or [REPO_DIR])]

    async def run() -> list[dict[str, Any]]:
        pg, dsn, pairs = await seeded(args.size, args.vacuum)
        results = []
        try:
            for r in range(args.repeat):
                for tree in trees:
                    say(f"  W6 statements: {tree} (run {r + 1}) ...")
                    res = await measure(tree, dsn, pairs, args)
                    show(res)
                    results.append(res)
            if args.explain:
                from bench.db import now_utc

                await explain(dsn, pairs, now_utc())
        finally:
            await pg.drop_database(dsn)
            await pg.__aexit__(None, None, None)
        return results

    results = asyncio.run(run())
    (args.json or Path(tempfile.mkdtemp(prefix="commonhold-bench-w6st-")) / "w6.json").write_text(
        json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
