"""W5 (feed part): a local author with 10 / 100 / 1k / 10k local followers posts, and the
post reaches every follower's home feed.

The post goes through `statuses.service.create_status` inside a transaction, timed from BEGIN
to the end of COMMIT: that is what `POST /api/v1/statuses` will pay in its transaction (the
HTTP layer is not built yet; see README). The commit wakes the real `Worker.run_forever`
(this process, the app core) through NOTIFY; it runs `timeline.fanout_status`, one
INSERT ... SELECT into `home_feed`. "Visible" is the time from commit until the status is in
the feed of the author's last follower (the INSERT is one statement, so all followers see it
at the same commit); the count of feeds holding it is checked after each post.

The dataset (S by default) is loaded first so `home_feed`, `follows` and `statuses` are not
empty tables.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bench.common import APP_CORE, Result, SelfCpu, mmm, percentile, pg_meter, pin_self, say
from bench.db import FAN_BASE, SIZES, BenchPostgres, bench_config, seed_dataset, seed_fanout_authors

FOLLOWERS = [10, 100, 1_000, 10_000]


async def run(*, quick: bool, size: str = "S", posts: int | None = None) -> Result:
    from server.accounts import queries as accounts_q
    from server.clock import SystemClock
    from server.db import Database
    from server.jobs.context import JobContext
    from server.jobs.registry import job_handlers
    from server.jobs.worker import Worker
    from server.statuses import service
    from server.statuses.compose import Draft

    pinned = pin_self(APP_CORE)
    n_posts = posts or (10 if quick else 40)
    res = Result("w5_fanout", params={"size": size, "posts_per_author": n_posts, "pinned": pinned})
    config = bench_config()
    clock = SystemClock()
    rows = []
    async with BenchPostgres() as pg:
        dsn = await pg.fresh_database("w5")
        db = await Database.connect(dsn)
        try:
            async with db.acquire() as conn:
                say(f"  seeding dataset {size} ...")
                res.params["dataset"] = await seed_dataset(conn, SIZES[size])
                authors = await seed_fanout_authors(conn, FOLLOWERS)
            pg.pin()
            stop = asyncio.Event()
            worker = Worker(JobContext(db=db, clock=clock, config=config), job_handlers(),
                            concurrency=config.job_workers or 32)
            task = asyncio.create_task(worker.run_forever(stop))
            try:
                for n in FOLLOWERS:
                    async with db.acquire() as conn:
                        author = await accounts_q.get_account(conn, account_id=authors[n])
                    assert author is not None
                    last_fan = FAN_BASE + n - 1
                    in_txn, visible = [], []
                    count = n_posts if n < 10_000 else max(5, n_posts // 2)
                    cpu = SelfCpu()
                    pgm = pg_meter(pg.postmaster_pid)
                    cpu.start()
                    if pgm:
                        pgm.start()
                    for i in range(count):
                        t0 = time.perf_counter()
                        async with db.transaction() as conn:
                            status = await service.create_status(
                                conn, config=config, author=author,
                                draft=Draft(text=f"Post {i} by an author with {n} followers #bench"),
                                now=clock.now())
                        t1 = time.perf_counter()
                        async with db.acquire() as conn:
                            deadline = t1 + 30
                            while time.perf_counter() < deadline:
                                if await conn.fetchval(
                                        "SELECT 1 FROM home_feed WHERE account_id = $1 AND status_id = $2",
                                        last_fan, status.id):
                                    break
                                await asyncio.sleep(0.0005)
                            t2 = time.perf_counter()
                            got = await conn.fetchval(
                                "SELECT count(*) FROM home_feed WHERE account_id >= $1 AND account_id < $2 "
                                "AND status_id = $3", FAN_BASE, FAN_BASE + n, status.id)
                            while await conn.fetchval("SELECT count(*) FROM jobs") and \
                                    time.perf_counter() < deadline:
                                await asyncio.sleep(0.001)  # the job row goes just after the feed commit
                        if got != n:
                            res.notes.append(f"{n} followers: post {i} reached {got} feeds")
                        in_txn.append((t1 - t0) * 1000)
                        visible.append((t2 - t1) * 1000)
                    app_cpu = cpu.stop() * 1000 / count
                    pg_cpu = (pgm.stop() if pgm else float("nan")) * 1000 / count
                    s_txn, s_vis = sorted(in_txn), sorted(visible)
                    k = f"f{n}"
                    m_txn50 = res.metric(f"{k}.in_txn_p50_ms", percentile(s_txn, 50), "ms")
                    m_txn99 = res.metric(f"{k}.in_txn_p99_ms", percentile(s_txn, 99), "ms")
                    m_vis50 = res.metric(f"{k}.visible_p50_ms", percentile(s_vis, 50), "ms")
                    m_vis99 = res.metric(f"{k}.visible_p99_ms", percentile(s_vis, 99), "ms")
                    m_app = res.metric(f"{k}.app_cpu_ms", app_cpu, "ms/post")
                    m_pg = res.metric(f"{k}.pg_cpu_ms", pg_cpu, "ms/post")
                    res.metric(f"{k}.in_txn_ms", in_txn, "ms")
                    res.metric(f"{k}.visible_ms", visible, "ms")
                    rows.append([f"{n:,}", count, mmm(m_txn50), mmm(m_txn99), mmm(m_vis50),
                                 mmm(m_vis99), f"{max(visible):.1f}", mmm(m_app), mmm(m_pg)])
                    say(f"  W5 {n} followers: in-txn p50 {m_txn50['median']:.2f} ms, "
                        f"visible p50 {m_vis50['median']:.1f} ms")
            finally:
                stop.set()
                await asyncio.wait_for(task, timeout=60)
        finally:
            await db.close()
            await pg.drop_database(dsn)
    res.table(["local followers", "posts", "create_status in txn p50 ms", "p99 ms",
               "commit → in all feeds p50 ms", "p99 ms", "max ms", "app CPU ms/post",
               "PG CPU ms/post"], rows,
              title=f"W5 post + local fan-out (dataset {size})")
    f1k = res.metrics["f1000.visible_p50_ms"]["median"]
    f10k = res.metrics["f10000.visible_p50_ms"]["median"]
    res.ratios["w5.visible_10k_over_1k"] = f10k / f1k
    res.ratios["w5.in_txn_1k_over_10"] = res.metrics["f1000.in_txn_p50_ms"]["median"] / \
        res.metrics["f10.in_txn_p50_ms"]["median"]
    res.lower_is_better += ["w5.visible_10k_over_1k", "w5.in_txn_1k_over_10"]
    return res


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--size", default="S", choices=sorted(SIZES))
    p.add_argument("--posts", type=int, help="posts per author (default 10 quick, 40 full)")
    args = p.parse_args(argv)
    res = asyncio.run(run(quick=args.quick, size=args.size, posts=args.posts))
    res.write()
    print("\n\n".join(res.tables))


if __name__ == "__main__":
    main()
