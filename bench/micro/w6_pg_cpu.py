"""Micro: PostgreSQL's CPU per home-page statement (W6's list_home_page), old and new text
side by side on one seeded dataset, from the backend's own schedstat (time on a CPU), so a
busy machine's waits do not count and the trees' statements meet the same load in the same
minutes.

For each tree, the statement is read from that tree's server/api/statusviews/queries.sql and
prepared on a connection of its own (its generic plan settles during the warm-up); then the
trees take turns, `--rounds` times, each running `--calls` first pages (or `max_id` pages)
of the dataset's users in turn. Reported per tree: the backend's CPU µs per call, min and
median of the rounds. pg_stat_statements's execution time leaves out the executor's start
and end (locks, plan set-up) and the protocol; this counts all of them.

    python -m bench.micro.w6_pg_cpu --tree /path/to/old --tree . [--max-id]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bench.common import REPO_DIR, say
from bench.db import BenchPostgres
from bench.scenarios.w6_home_timeline import setup


def statement(tree: Path, name: str = "list_home_page") -> str:
    text = (tree / "server/api/statusviews/queries.sql").read_text()
    body = text.split(f"-- name: {name}\n")[1].split("-- name:")[0]
    return "\n".join(line for line in body.splitlines() if not line.startswith("--")).strip()


def cpu_ns(pid: int) -> int:
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


async def measure(dsn: str, trees: list[Path], args: argparse.Namespace,
                  cursors: dict[int, int]) -> dict[Path, list[float]]:
    now = datetime.now(UTC)
    calls = [(u, cursors[u] if args.max_id else None) for u in sorted(cursors)]
    runs = []
    for tree in trees:
        conn = await asyncpg.connect(dsn)
        st = await conn.prepare(statement(tree))
        for i in range(args.warmup):
            await st.fetch(calls[i % len(calls)][0], calls[i % len(calls)][1], None, 20, now)
        runs.append((tree, conn, st, []))
    for _ in range(args.rounds):
        for tree, conn, st, out in runs:
            pid = conn.get_server_pid()
            before = cpu_ns(pid)
            for i in range(args.calls):
                await st.fetch(calls[i % len(calls)][0], calls[i % len(calls)][1], None, 20, now)
            out.append((cpu_ns(pid) - before) / args.calls / 1000)
    for _, conn, _, _ in runs:
        await conn.close()
    return {tree: out for tree, _, _, out in runs}


async def buffers(dsn: str, trees: list[Path], cursors: dict[int, int]) -> None:
    """Each tree's buffer hits for one viewer's first and next page (generic plan, as the
    app's prepared statement runs), summed over the first hundred users."""
    now = datetime.now(UTC)
    users = sorted(cursors)[:100]
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        for tree in trees:
            text = "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) " + statement(tree)
            for label, first in (("first", True), ("max_id", False)):
                hits = []
                for u in users:
                    plan = await conn.fetchval(text, u, None if first else cursors[u], None,
                                               20, now)
                    top = json.loads(plan)[0]["Plan"]
                    hits.append(top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0))
                print(f"{tree}: {label} pages, buffers per page median "
                      f"{statistics.median(hits):.0f} (min {min(hits)}, max {max(hits)})")
    finally:
        await conn.close()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tree", action="append", type=Path)
    p.add_argument("--size", default="S")
    p.add_argument("--max-id", action="store_true", help="second pages instead of first pages")
    p.add_argument("--warmup", type=int, default=400)
    p.add_argument("--calls", type=int, default=500)
    p.add_argument("--rounds", type=int, default=8)
    args = p.parse_args(argv)
    trees = [t.resolve() for t in (args.tree or [REPO_DIR])]

    async def run() -> None:
        async with BenchPostgres() as pg:
            dsn, pairs, _ = await setup(pg, args.size)
            conn = await asyncpg.connect(dsn)
            try:
                users = [int(r["account_id"]) for r in await conn.fetch(
                    "SELECT DISTINCT account_id FROM home_feed")]
                from bench.scenarios.api_common import home_cursors
                cursors = await home_cursors(conn, users)
            finally:
                await conn.close()
            pg.pin()
            say(f"  W6 PostgreSQL CPU: {len(cursors)} users, "
                f"{'max_id' if args.max_id else 'first'} pages ...")
            res = await measure(dsn, trees, args, cursors)
            await buffers(dsn, trees, cursors)
            await pg.drop_database(dsn)
        for tree, vals in res.items():
            print(f"{tree}: backend CPU per call min {min(vals):.0f} µs, median "
                  f"{statistics.median(vals):.0f} µs ({len(vals)} rounds of {args.calls})")

    asyncio.run(run())


if __name__ == "__main__":
    main()
