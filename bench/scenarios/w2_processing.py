"""W2, processing alone: Create(Note) inbox items stored directly (as the inbox stores them,
without HTTP), drained by one Worker with 32 slots in this process, timed from the first
claim to an empty queue. Reports processed/s, app and PostgreSQL CPU per Create and, with
--trace, the SQL statements per Create (asyncpg's query logger, wall time per statement).

    python -m bench.scenarios.w2_processing [-n 1000] [--trace] [--profile FILE]

Not part of `bench.run`: a tool for finding where processing spends, next to W2.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import os
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg

from bench.common import APP_CORE, pin_self, say
from bench.db import LOCAL_BASE, BenchPostgres, bench_config
from bench.scenarios.inbox_common import Meters, activity, actor_uri, now_tag
from bench.scenarios.w1_inbox import _setup

N_ACTORS = 1000
STATS: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])


def _log_query(rec: Any) -> None:
    entry = STATS[" ".join(rec.query.split())[:90]]
    entry[0] += 1
    entry[1] += rec.elapsed


async def _fill(db: Any, n: int, tag: str) -> None:
    from server import jobs, jsonio
    from server.federation.activitypub import queries as ap_q
    from server.ids import new_id

    now = datetime.now(UTC)
    published = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    async with db.transaction() as conn:
        for i in range(n):
            actor = actor_uri(i % N_ACTORS)
            doc = activity("Create", actor, f"{tag}{i}", published)
            item_id = await ap_q.insert_inbox_item(
                conn, item_id=new_id(), activity_id=doc["id"], actor_uri=actor, type="Create",
                raw_json=jsonio.dumps(doc), signed_by=f"{actor}#main-key", inbox_account_id=None,
                received_at=now)
            await jobs.enqueue(conn, "federation.process_inbox_item", {"item_id": item_id}, now=now)


async def _drain(ctx: Any, dsn: str) -> dict[str, Any]:
    from server.app import job_handlers
    from server.jobs.worker import Worker

    stop = asyncio.Event()
    task = asyncio.create_task(Worker(ctx, job_handlers(), concurrency=32).run_forever(stop))
    conn = await asyncpg.connect(dsn)
    try:
        while await conn.fetchval("SELECT count(*) FROM jobs WHERE state <> 'failed'"):
            await asyncio.sleep(0.05)
        return {"failed": await conn.fetchval("SELECT count(*) FROM jobs WHERE state = 'failed'"),
                "feed": await conn.fetchval("SELECT count(*) FROM home_feed WHERE account_id = $1",
                                            LOCAL_BASE)}
    finally:
        await conn.close()
        stop.set()
        await task


async def main(args: argparse.Namespace) -> None:
    from server.clock import SystemClock
    from server.db import Database, pool
    from server.jobs.context import JobContext

    if args.trace:
        plain_init = pool._init_connection

        async def traced_init(conn: asyncpg.Connection) -> None:
            await plain_init(conn)
            conn.add_query_logger(_log_query)

        pool._init_connection = traced_init  # type: ignore[assignment]
    async with BenchPostgres() as pg:
        dsn = await _setup(pg, N_ACTORS, "w2p", watcher_follows_all=True)
        db = await Database.connect(dsn, min_size=2, max_size=20)
        ctx = JobContext(db=db, clock=SystemClock(),
                         config=bench_config(job_workers=32, allow_private_addresses=True))
        await _fill(db, 200, f"w{now_tag()}")
        await _drain(ctx, dsn)                       # warm-up: plans cached, pool filled
        await _fill(db, args.n, f"r{now_tag()}")
        STATS.clear()
        pg.pin()
        pin_self(APP_CORE)
        prof = cProfile.Profile(time.process_time) if args.profile else None
        if prof:
            prof.enable()
        with Meters(os.getpid(), pg.postmaster_pid) as m:
            out = await _drain(ctx, dsn)
        if prof:
            prof.disable()
            prof.dump_stats(args.profile)
        n = args.n
        say(f"{n} Creates in {m.out['wall_s']:.2f} s → {n / m.out['wall_s']:,.0f}/s; app "
            f"{m.out['app_s'] / n * 1e6:,.0f} µs, PG {m.out['pg_s'] / n * 1e6:,.0f} µs per "
            f"Create; failed jobs {out['failed']}, feed entries {out['feed']}")
        if args.trace:
            say(f"statements per Create: {sum(c for c, _ in STATS.values()) / n:.1f}")
            for q, (c, e) in sorted(STATS.items(), key=lambda kv: -kv[1][1])[:30]:
                say(f"{c / n:6.2f} {e / n * 1e6:9.0f} µs  {q}")
        await db.close()
        await pg.drop_database(dsn)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=1000, help="Creates in the measured drain")
    p.add_argument("--trace", action="store_true", help="count and time SQL statements")
    p.add_argument("--profile", help="write a CPU-time cProfile of the drain here")
    asyncio.run(main(p.parse_args()))
