"""W5 over HTTP, PostgreSQL's side by statement: posts at a fixed rate by authors with
10 / 100 / 1k local followers (as w5_api), then pg_stat_statements's calls and execution
time per post for every statement the POSTs and their jobs ran, grouped into parts.

pgserver's PostgreSQL has no pg_stat_statements, so this runs against a server named by
COMMONHOLD_BENCH_DATABASE_URL that preloads it (shared_preload_libraries =
'pg_stat_statements', the extension created in its `postgres` database). With
W5_PROFILE_PG_PID set to that server's postmaster PID, the table also gives PostgreSQL's
CPU per post from /proc (its backends pinned to the load core, as w5_api does).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from bench.common import LOAD_CORE, pin_self, say
from bench.db import ENV_URL, BenchPostgres
from bench.load.openloop import open_loop
from bench.scenarios.api_common import ApiApp, post_targets
from bench.scenarios.inbox_common import Meters, now_tag
from bench.scenarios.w5_api import POSTS_PER_AUTHOR, SIZES_OPEN, queue_drained, setup

# The parts a post's statements fall into, by a fragment of their text (first match wins).
PARTS = [
    ("fan-out: fanout_statuses", "INSERT INTO home_feed"),
    ("fan-out: get_status_to_fan_out", "set_config('synchronous_commit'"),
    ("stream publish", "pg_notify"),
    ("jobs: claim / finish", "FROM jobs"),
    ("jobs: claim / finish", "UPDATE jobs"),
    ("jobs: claim / finish", "jobs"),
    ("POST: insert status", "INSERT INTO statuses"),
    ("transaction control", "BEGIN"),
    ("transaction control", "COMMIT"),
    ("transaction control", "RESET"),
    ("transaction control", "ROLLBACK"),
]

STATS = """
SELECT queryid, query, calls, total_exec_time + total_plan_time AS total_exec_time, plans, total_plan_time, rows
  FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
 WHERE d.datname = $1
"""


def part_of(query: str) -> str:
    for name, fragment in PARTS:
        if fragment in query:
            return name
    return "POST: other"


async def snapshot(admin: asyncpg.Connection, db: str) -> dict[int, asyncpg.Record]:
    return {r["queryid"]: r for r in await admin.fetch(STATS, db)}


def per_post(before: dict[int, Any], after: dict[int, Any], posts: int) -> list[dict[str, Any]]:
    out = []
    for qid, r in after.items():
        b = before.get(qid)
        calls = r["calls"] - (b["calls"] if b else 0)
        ms = r["total_exec_time"] - (b["total_exec_time"] if b else 0.0)
        plans = r["plans"] - (b["plans"] if b else 0)
        plan_ms = r["total_plan_time"] - (b["total_plan_time"] if b else 0.0)
        if calls <= 0:
            continue
        q = " ".join(r["query"].split())
        if "count(*) FROM jobs" in q or "pg_stat_statements" in q:
            continue            # the bench's own queue poller and this reader
        out.append({"query": q, "part": part_of(q), "calls": calls / posts, "ms": ms / posts,
                    "plans": plans / posts, "plan_ms": plan_ms / posts,
                    "mean_ms": ms / calls, "rows": (r["rows"] - (b["rows"] if b else 0)) / posts})
    return sorted(out, key=lambda x: -x["ms"])


def print_profile(n: int, rows: list[dict[str, Any]], posts: int, meters: dict[str, float],
                  ol: dict[str, Any], top: int) -> None:
    total_ms = sum(r["ms"] for r in rows)
    total_calls = sum(r["calls"] for r in rows)
    print(f"\n== {n:,} followers: {posts} posts, p50 {ol['p50_ms']:.1f} ms, p99 {ol['p99_ms']:.1f} ms, "
          f"non-2xx+errors {ol['non_2xx'] + ol['errors']}; PG exec+plan {total_ms:.2f} ms/post (plan {sum(r['plan_ms'] for r in rows):.2f}) in "
          f"{total_calls:.1f} statements/post; PG CPU (/proc) {meters['pg_s'] / posts * 1000:.2f} ms/post, "
          f"app CPU {meters['app_s'] / posts * 1000:.2f} ms/post")
    parts: dict[str, list[float]] = {}
    for r in rows:
        p = parts.setdefault(r["part"], [0.0, 0.0])
        p[0] += r["calls"]
        p[1] += r["ms"]
    print(f"{'part':36} {'stmts/post':>10} {'ms/post':>8}")
    for name, (calls, ms) in sorted(parts.items(), key=lambda kv: -kv[1][1]):
        print(f"{name:36} {calls:10.2f} {ms:8.3f}")
    print(f"\n{'calls/post':>10} {'ms/post':>8} {'mean ms':>8} {'plans/post':>10} {'plan ms':>8} "
          f"{'rows/post':>9}  statement")
    for r in rows[:top]:
        print(f"{r['calls']:10.2f} {r['ms']:8.3f} {r['mean_ms']:8.3f} {r['plans']:10.2f} {r['plan_ms']:8.3f} "
              f"{r['rows']:9.1f}  {r['query'][:110]}")


def run(*, rate: float, seconds: float, sizes: list[int], top: int, workers: int,
        posts_per_author: int) -> None:
    if not os.environ.get(ENV_URL):
        raise SystemExit(f"{ENV_URL} must name a server with pg_stat_statements (see the docstring)")
    pin_self(LOAD_CORE)
    posts = int(rate * seconds)

    async def main() -> None:
        async with BenchPostgres() as pg:
            if os.environ.get("W5_PROFILE_PG_PID"):
                pg.postmaster_pid = int(os.environ["W5_PROFILE_PG_PID"])
            dsn, tokens, _ = await setup(pg, "S", posts, posts_per_author)
            db = urlsplit(dsn).path.lstrip("/")
            admin = await asyncpg.connect(pg.admin_dsn)
            try:
                with ApiApp(dsn, workers=workers) as app:
                    say("  W5 profile: warm-up ...")
                    await open_loop(app.url("/"), rate=10, duration=1,
                                    targets=post_targets(app.port, tokens[10], 10, f"w{now_tag()}"))
                    await queue_drained(dsn)
                    for n in sizes:
                        pg.pin()
                        targets = post_targets(app.port, tokens[n], posts, f"p{n}-{now_tag()}")
                        before = await snapshot(admin, db)
                        with Meters(app.pid, pg.postmaster_pid) as m:
                            ol = await open_loop(app.url("/"), rate=rate, duration=seconds,
                                                 targets=targets, max_in_flight=512)
                            await queue_drained(dsn)
                        time.sleep(0.3)
                        after = await snapshot(admin, db)
                        print_profile(n, per_post(before, after, max(ol["ok"], 1)), max(ol["ok"], 1),
                                      m.out, ol, top)
            finally:
                await admin.close()
                await pg.drop_database(dsn)

    asyncio.run(main())


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rate", type=float, default=50.0)
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--sizes", default=",".join(str(n) for n in SIZES_OPEN))
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--workers", type=int, default=32)
    p.add_argument("--posts-per-author", type=int, default=POSTS_PER_AUTHOR)
    args = p.parse_args(argv)
    run(rate=args.rate, seconds=args.seconds, sizes=[int(s) for s in args.sizes.split(",")],
        top=args.top, workers=args.workers, posts_per_author=args.posts_per_author)


if __name__ == "__main__":
    main()
