"""W2, processing alone: Create(Note) inbox items stored directly (as the inbox stores them,
without HTTP), drained by one Worker with 32 slots in this process, timed from the first
claim to an empty queue. Reports processed/s, app and PostgreSQL CPU per Create, claims per
Create and, with --trace, the SQL statements per Create (asyncpg's query logger, wall time
per statement).

    python -m bench.scenarios.w2_processing [-n 1000] [--batch 20] [--rate R] [--trace]
                                            [--profile FILE]

Without --rate the queue is filled first and drained in full batches (the worker's best
case). With --rate R a feeder process on the load core stores the items one by one at R/s,
each in its own transaction with its NOTIFY, as the inbox does (but without waiting for the
WAL flush, to keep the rate on a busy machine), while the worker runs: the way jobs reach it
in W2 end to end. The app CPU is then this process's alone; the PostgreSQL
CPU includes the feeder's inserts.

Not part of `bench.run`: a tool for finding where processing spends, next to W2.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import cProfile
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg

from bench.common import APP_CORE, LOAD_CORE, SelfCpu, pin_self, say
from bench.db import LOCAL_BASE, BenchPostgres, bench_config
from bench.scenarios.inbox_common import Meters, activity, actor_uri, now_tag
from bench.scenarios.w1_inbox import _setup

N_ACTORS = 1000
STATS: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
CLAIMS = [0, 0]  # claims made, jobs they brought


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


class _FeedDb:
    """One connection whose commits do not wait for the WAL flush: the feeder stands in for
    the inbox and must keep its rate on a busy machine; what it costs is not measured."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    @contextlib.asynccontextmanager
    async def transaction(self) -> Any:
        async with self.conn.transaction():
            yield self.conn


async def _feed(dsn: str, n: int, tag: str, rate: float) -> None:
    """Store n items at `rate` per second, one transaction each (the feeder process)."""
    from server.db import pool

    pin_self(LOAD_CORE)
    conn = await asyncpg.connect(dsn, server_settings={"synchronous_commit": "off"})
    await pool._init_connection(conn)
    t0 = time.perf_counter()
    for i in range(n):
        delay = t0 + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await _fill(_FeedDb(conn), 1, f"{tag}-{i}-")
    await conn.close()


async def _drain(ctx: Any, dsn: str, batch: int = 20,
                 feeder: subprocess.Popen[bytes] | None = None) -> dict[str, Any]:
    from server.app import job_handlers
    from server.jobs.worker import Worker

    stop = asyncio.Event()
    task = asyncio.create_task(Worker(ctx, job_handlers(), concurrency=32,
                                                   batch=batch).run_forever(stop))
    conn = await asyncpg.connect(dsn)
    try:
        while feeder is not None and feeder.poll() is None:  # until every item is stored
            await asyncio.sleep(0.05)
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

    from server.jobs.worker import Worker

    plain_claim = Worker._claim

    async def counted_claim(self: Worker, limit: int) -> Any:
        claimed = await plain_claim(self, limit)
        if claimed:
            CLAIMS[0] += 1
            CLAIMS[1] += len(claimed)
        return claimed

    Worker._claim = counted_claim  # type: ignore[method-assign]
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
        feeder = None
        if args.rate:
            feeder = subprocess.Popen([sys.executable, "-m", "bench.scenarios.w2_processing",
                                       "--feed", dsn, "-n", str(args.n), "--rate", str(args.rate)])
        else:
            await _fill(db, args.n, f"r{now_tag()}")
        STATS.clear()
        CLAIMS[:] = [0, 0]
        pg.pin()
        pin_self(APP_CORE)
        prof = cProfile.Profile(time.process_time) if args.profile else None
        if prof:
            prof.enable()
        own = SelfCpu()  # the app's CPU without the feeder's (a child of this process)
        own.start()
        with Meters(os.getpid(), pg.postmaster_pid) as m:
            out = await _drain(ctx, dsn, args.batch, feeder)
        m.out["app_s"] = own.stop()
        if prof:
            prof.disable()
            prof.dump_stats(args.profile)
        n = args.n
        say(f"{n} Creates in {m.out['wall_s']:.2f} s → {n / m.out['wall_s']:,.0f}/s; app "
            f"{m.out['app_s'] / n * 1e6:,.0f} µs, PG {m.out['pg_s'] / n * 1e6:,.0f} µs per "
            f"Create; failed jobs {out['failed']}, feed entries {out['feed']}")
        say(f"claims per Create {CLAIMS[0] / n:.2f}, jobs per claim that found some "
            f"{CLAIMS[1] / max(CLAIMS[0], 1):.1f}")
        if args.trace:
            say(f"statements per Create: {sum(c for c, _ in STATS.values()) / n:.1f}")
            for q, (c, e) in sorted(STATS.items(), key=lambda kv: -kv[1][1])[:30]:
                say(f"{c / n:6.2f} {e / n * 1e6:9.0f} µs  {q}")
        await db.close()
        await pg.drop_database(dsn)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=1000, help="Creates in the measured drain")
    p.add_argument("--batch", type=int, default=20,
                   help="jobs per claim (1-3 is what a worker woken per arrival gets at 500/s)")
    p.add_argument("--trace", action="store_true", help="count and time SQL statements")
    p.add_argument("--profile", help="write a CPU-time cProfile of the drain here")
    p.add_argument("--rate", type=float, default=0.0,
                   help="store the items at this rate while the worker runs (see above)")
    p.add_argument("--feed", metavar="DSN", help=argparse.SUPPRESS)  # the feeder process
    a = p.parse_args()
    if a.feed:
        asyncio.run(_feed(a.feed, a.n, f"f{now_tag()}", a.rate))
    else:
        asyncio.run(main(a))
