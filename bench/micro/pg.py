"""Micro: PostgreSQL operations the server leans on, on a seeded dataset (S by default).

- single-row INSERT of a status (autocommit, triggers on), one after another;
- the home timeline query (`list_home_timeline`, 20 rows) for random local users, first page
  and a `max_id` page;
- the `fanout_statuses` INSERT ... SELECT for authors with 10 / 100 / 1k / 10k local followers
  (ms per post, rows per second), each in its own transaction with its commit;
- the job queue: `enqueue` (INSERT + NOTIFY) inside a transaction, and claim + run + delete
  through the real `Worker.run_forever` with a handler that does nothing, so the figure is the
  queue's own overhead per job.

Each query runs on one connection in a loop (latency = one round trip plus execution); app
and PostgreSQL CPU per operation come from /proc.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime
from typing import Any

from bench.common import (
    APP_CORE,
    Result,
    SelfCpu,
    mmm,
    percentile,
    pg_meter,
    pin_self,
    runs_for,
    say,
)
from bench.db import LOCAL_BASE, SIZES, BenchPostgres, seed_dataset, seed_fanout_authors

FANOUT_SIZES = [10, 100, 1_000, 10_000]


def _next_status_id() -> int:
    from server.ids import new_id

    return new_id()


async def insert_status(conn: Any, author_id: int) -> int:
    sid = _next_status_id()
    await conn.execute(
        """INSERT INTO statuses (id, account_id, uri, local, content, visibility, conversation_id,
                                 created_at, updated_at)
           VALUES ($1, $2, $3, true, '<p>bench</p>', 'public', $1, now(), now())""",
        sid, author_id, f"https://ch.bench.invalid/s/{sid}")
    return sid


class Loop:
    """Latencies (ms) and CPU of a sequence of awaited operations."""

    def __init__(self, postmaster_pid: int | None) -> None:
        self.lat: list[float] = []
        self.cpu = SelfCpu()
        self.pgm = pg_meter(postmaster_pid)
        self.wall = 0.0

    def __enter__(self) -> Loop:
        self.cpu.start()
        if self.pgm:
            self.pgm.start()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._t0
        self.cpu.stop()
        if self.pgm:
            self.pgm.stop()

    def per_op_us(self) -> tuple[float, float]:
        n = max(len(self.lat), 1)
        return self.cpu.seconds / n * 1e6, (self.pgm.seconds / n * 1e6 if self.pgm else float("nan"))


async def run(*, quick: bool, size: str = "S") -> Result:
    from server.db import Database
    from server.timeline import queries as timeline_q

    pinned = pin_self(APP_CORE)
    runs = runs_for(quick, full=5, fast=3)
    n_ops = 500 if quick else 2_000
    res = Result("micro_pg", params={"size": size, "runs": runs, "ops_per_run": n_ops,
                                     "pinned": pinned})
    rows: list[list[Any]] = []
    async with BenchPostgres() as pg:
        dsn = await pg.fresh_database("micro")
        db = await Database.connect(dsn)
        try:
            async with db.acquire() as conn:
                say(f"  seeding dataset {size} ...")
                counts = await seed_dataset(conn, SIZES[size])
                say(f"  seeded: {counts}")
                res.params["dataset"] = counts
                authors = await seed_fanout_authors(conn, FANOUT_SIZES)
            pg.pin()
            rng = random.Random(1)
            local_ids = [LOCAL_BASE + i for i in range(SIZES[size].local)]
            async with db.acquire() as conn:
                # 1. single-row insert
                p50s, p99s, app, pgc = [], [], [], []
                for _ in range(runs):
                    with Loop(pg.postmaster_pid) as lp:
                        for _ in range(n_ops):
                            t0 = time.perf_counter()
                            await insert_status(conn, rng.choice(local_ids))
                            lp.lat.append((time.perf_counter() - t0) * 1000)
                    s = sorted(lp.lat)
                    p50s.append(percentile(s, 50))
                    p99s.append(percentile(s, 99))
                    a, b = lp.per_op_us()
                    app.append(a)
                    pgc.append(b)
                rows.append(_row(res, "insert_status", "single-row INSERT (autocommit)", p50s, p99s, app, pgc))
                # The inserts above are newer than every feed entry; with statistics that do not
                # know them the timeline plan walks them all (see README). Measure steady state.
                await conn.execute("ANALYZE statuses")
                # 2. home timeline, first page and a max_id page
                now = time.time()
                now_dt = datetime.fromtimestamp(now, UTC)
                for label, paging in (("home_timeline", False), ("home_timeline_max_id", True)):
                    p50s, p99s, app, pgc = [], [], [], []
                    for _ in range(runs):
                        with Loop(pg.postmaster_pid) as lp:
                            for _ in range(n_ops):
                                uid = rng.choice(local_ids)
                                max_id = None
                                if paging:
                                    max_id = await conn.fetchval(
                                        "SELECT status_id FROM home_feed WHERE account_id = $1 "
                                        "ORDER BY status_id DESC OFFSET 100 LIMIT 1", uid)
                                t0 = time.perf_counter()
                                ids = await timeline_q.list_home_timeline(
                                    conn, account_id=uid, max_id=max_id, since_id=None, min_id=None,
                                    limit=20, now=now_dt)
                                lp.lat.append((time.perf_counter() - t0) * 1000)
                                assert len(ids) == 20, (uid, len(ids))
                        s = sorted(lp.lat)
                        p50s.append(percentile(s, 50))
                        p99s.append(percentile(s, 99))
                        a, b = lp.per_op_us()
                        app.append(a)
                        pgc.append(b)
                    rows.append(_row(res, label, "home timeline, 20 rows" + (" (max_id page)" if paging else ""),
                                     p50s, p99s, app, pgc))
            res.table(["operation", "p50 ms", "p99 ms", "app µs/op", "PG µs/op"], rows,
                      title=f"Micro: PostgreSQL, dataset {size} (median (min–max) over runs)")
            # 3. fan-out
            frows = []
            for n in FANOUT_SIZES:
                m, pg_ms = await _fanouts(res, db, pg, f"fanout_{n}", authors[n],
                                          runs if n < 10_000 else max(3, runs))
                frows.append([f"{n:,}", mmm(m), f"{(n + 1) / (m['median'] / 1000):,.0f}", f"{pg_ms:.1f}"])
            # Comparison (this database only): the same fan-out with the foreign keys that
            # migration 0045 dropped (PostgreSQL checks them row by row, two lookups per row)
            # and the author index that 0047 dropped (one more index entry per row).
            async with db.acquire() as conn:
                await conn.execute("ALTER TABLE home_feed"
                                   " ADD FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,"
                                   " ADD FOREIGN KEY (status_id) REFERENCES statuses (id) ON DELETE CASCADE")
                await conn.execute("CREATE INDEX home_feed_author_idx ON home_feed (account_id, author_id)")
            for n in FANOUT_SIZES:
                m, pg_ms = await _fanouts(res, db, pg, f"fanout_{n}_fk", authors[n], max(3, runs))
                frows.append([f"{n:,} (comparison: foreign keys and author index, as before 0045 and 0047)", mmm(m),
                              f"{(n + 1) / (m['median'] / 1000):,.0f}", f"{pg_ms:.1f}"])
            res.ratios["pg.fanout_10k_over_1k"] = res.metrics["fanout_10000.ms"]["median"] / \
                res.metrics["fanout_1000.ms"]["median"]
            res.lower_is_better.append("pg.fanout_10k_over_1k")
            res.table(["local followers", "fanout_statuses ms/post (incl. commit)", "feed rows/s",
                       "PG CPU ms/post"], frows,
                      title="Micro: fan-out on write (one INSERT … SELECT per post)")
            # 4. job queue
            res.tables.append(await _jobs(res, db, pg, runs, quick))
        finally:
            await db.close()
            await pg.drop_database(dsn)
    return res


async def _fanouts(res: Result, db: Any, pg: BenchPostgres, key: str, author: int,
                   runs: int) -> tuple[dict[str, Any], float]:
    """`runs` posts fanned out one by one, each in its transaction with its commit: the
    latency metric and the PostgreSQL CPU per post (ms)."""
    from server.timeline import queries as timeline_q

    loop = Loop(pg.postmaster_pid)
    with loop:
        for _ in range(runs):
            async with db.acquire() as conn:
                sid = await insert_status(conn, author)
                t0 = time.perf_counter()
                async with conn.transaction():
                    await timeline_q.fanout_statuses(conn, status_ids=[sid], now=datetime.now(UTC))
                loop.lat.append((time.perf_counter() - t0) * 1000)
    # The status INSERT is inside the CPU window too: a few hundred µs next to the fan-out.
    return res.metric(f"{key}.ms", loop.lat, "ms/post"), loop.per_op_us()[1] / 1000


def _row(res: Result, key: str, label: str, p50s: list[float], p99s: list[float], app: list[float],
         pgc: list[float]) -> list[Any]:
    a = res.metric(f"{key}.p50_ms", p50s, "ms")
    b = res.metric(f"{key}.p99_ms", p99s, "ms")
    c = res.metric(f"{key}.app_us", app, "µs/op")
    d = res.metric(f"{key}.pg_us", pgc, "µs/op")
    return [label, mmm(a), mmm(b), mmm(c), mmm(d)]


async def _jobs(res: Result, db: Any, pg: BenchPostgres, runs: int, quick: bool) -> str:
    from server import jobs
    from server.clock import SystemClock
    from server.config import load_config
    from server.jobs.context import JobContext
    from server.jobs.worker import Worker

    n_jobs = 1_000 if quick else 3_000
    clock = SystemClock()
    enq, thr, app, pgc = [], [], [], []
    done = 0

    async def noop(ctx: Any, payload: dict[str, Any]) -> None:
        nonlocal done
        done += 1

    for _ in range(runs):
        # enqueue: one job per transaction, as a service does inside its own transaction
        t0 = time.perf_counter()
        async with db.acquire() as conn:
            for i in range(n_jobs):
                async with conn.transaction():
                    await jobs.enqueue(conn, "bench.noop", {"i": i}, now=clock.now())
        enq.append((time.perf_counter() - t0) / n_jobs * 1e6)
        done = 0
        ctx = JobContext(db=db, clock=clock, config=load_config(env={}, discover_toml=False))
        worker = Worker(ctx, {"bench.noop": noop}, concurrency=32)
        stop = asyncio.Event()
        with Loop(pg.postmaster_pid) as lp:
            task = asyncio.create_task(worker.run_forever(stop))
            deadline = time.monotonic() + 120
            async with db.acquire() as conn:
                while time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                    if done >= n_jobs and not await conn.fetchval("SELECT count(*) FROM jobs"):
                        break
            stop.set()
            await task
        thr.append(n_jobs / lp.wall)
        lp.lat = [0.0] * n_jobs
        a, b = lp.per_op_us()
        app.append(a)
        pgc.append(b)
    # A post to followers on 1,800 servers: 1,800 delivery jobs in one enqueue_many, each
    # payload carrying the whole 2.66 kB activity (what enqueue_deliveries writes) vs each
    # carrying a reference to an activity stored once (experiment: no such table exists).
    from bench.scenarios.w4_delivery import activity

    inboxes = [f"https://r{k:04d}.bench.invalid/inbox" for k in range(1_800)]
    fan: dict[str, list[float]] = {"full": [], "ref": []}
    for _ in range(runs):
        for label in ("full", "ref"):
            payloads = [{"inbox": ib, "actor_id": 1,
                         **({"activity": activity(1)} if label == "full" else {"activity_id": 1})}
                        for ib in inboxes]
            t0 = time.perf_counter()
            async with db.transaction() as conn:
                await jobs.enqueue_many(conn, "bench.noop", payloads, now=clock.now(),
                                        ordering_keys=[f"inbox:{ib}" for ib in inboxes])
            fan[label].append((time.perf_counter() - t0) * 1000)
            async with db.acquire() as conn:
                await conn.execute("DELETE FROM jobs WHERE kind = 'bench.noop'")
    m_full = res.metric("jobs.enqueue_many_1800_full_ms", fan["full"], "ms")
    m_ref = res.metric("jobs.enqueue_many_1800_ref_ms", fan["ref"], "ms")
    m_enq = res.metric("jobs.enqueue_us", enq, "µs/job")
    m_thr = res.metric("jobs.claim_run_delete_per_s", thr, "jobs/s")
    m_app = res.metric("jobs.app_us", app, "µs/job")
    m_pg = res.metric("jobs.pg_us", pgc, "µs/job")
    # Unitless: the queue's app cost per job over one autocommit INSERT's, same run.
    res.ratios["jobs.noop_app_over_insert_app"] = m_app["median"] / res.metrics["insert_status.app_us"]["median"]
    res.lower_is_better.append("jobs.noop_app_over_insert_app")
    from bench.common import markdown_table
    return "**Micro: job queue (no-op handler, Worker.run_forever, concurrency 32)**\n\n" + markdown_table(
        ["figure", "median (min–max)"],
        [["enqueue in its own transaction, µs/job", mmm(m_enq)],
         ["claim + run + delete, jobs/s", mmm(m_thr)],
         ["app CPU µs/job (worker)", mmm(m_app)],
         ["PostgreSQL CPU µs/job (worker)", mmm(m_pg)],
         ["enqueue_many of 1,800 delivery jobs with the 2.66 kB activity in each, ms (with commit)",
          mmm(m_full)],
         ["the same with a reference to the activity instead (experiment), ms", mmm(m_ref)]])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--size", default="S", choices=sorted(SIZES))
    args = p.parse_args(argv)
    res = asyncio.run(run(quick=args.quick, size=args.size))
    res.write()
    print("\n\n".join(res.tables))


if __name__ == "__main__":
    main()
