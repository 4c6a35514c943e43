"""W5 over HTTP: `POST /api/v1/statuses` by local authors with 10 / 100 / 1k local followers
at a fixed rate (open loop, 50 posts/s by default), and for 10k followers the time from
sending the POST until the status is in every follower's home feed.

The app is api_app (create_app on uvloop, pinned to the app core) WITH its job workers, as
`commonhold serve` runs: the fan-out job (`timeline.fanout_status`) runs in the same
process on the same core as the API, so the POST latency includes that competition and the
app CPU per post includes the fan-out's Python side. Tokens are made in the bench database
(api_common.seed_tokens); each size posts through several authors following the same fans,
since one account may post 300 times per 3 hours.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

from bench import looplag
from bench.common import LOAD_CORE, Result, mmm, pin_self, say
from bench.db import FAN_AUTHOR_BASE, FAN_BASE, SIZES, BenchPostgres, seed_dataset, seed_fanout_authors
from bench.load.openloop import open_loop
from bench.scenarios.api_common import ApiApp, post_targets, seed_posters, seed_tokens, seed_users
from bench.scenarios.inbox_common import Meters, now_tag

SIZES_OPEN = [10, 100, 1_000]
BIG = 10_000
POSTS_PER_AUTHOR = 250


async def setup(pg: BenchPostgres, size: str, posts: int, posts_per_author: int = POSTS_PER_AUTHOR,
                ) -> tuple[str, dict[int, list[str]], dict[str, Any]]:
    dsn = await pg.fresh_database("w5api")
    conn = await asyncpg.connect(dsn)
    try:
        say(f"  W5 HTTP: seeding dataset {size} and fan-out authors ...")
        counts = await seed_dataset(conn, SIZES[size])
        await seed_fanout_authors(conn, [*SIZES_OPEN, BIG])
        tokens: dict[int, list[str]] = {}
        for n in SIZES_OPEN:
            ids = await seed_posters(conn, n, math.ceil((posts + 20) / posts_per_author))
            tokens[n] = list((await seed_tokens(conn, ids)).values())
        await seed_users(conn, [FAN_AUTHOR_BASE + BIG])
        tokens[BIG] = list((await seed_tokens(conn, [FAN_AUTHOR_BASE + BIG])).values())
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    pg.pin()
    return dsn, tokens, counts


async def queue_drained(dsn: str, timeout: float = 120) -> float:
    conn = await asyncpg.connect(dsn)
    t0 = time.perf_counter()
    try:
        while time.perf_counter() - t0 < timeout:
            if not await conn.fetchval("SELECT count(*) FROM jobs"):
                break
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    return time.perf_counter() - t0


async def big_fanout(port: int, dsn: str, token: str, count: int) -> dict[str, list[float]]:
    """Posts one at a time by the 10k author; per post the ms from sending until the last
    follower's feed holds it (and from the 200 answer)."""
    import aiohttp

    out: dict[str, list[float]] = {"post_ms": [], "visible_from_send_ms": [],
                                   "visible_from_answer_ms": [], "reached": []}
    conn = await asyncpg.connect(dsn)
    try:
        async with aiohttp.ClientSession() as s:
            for i in range(count):
                t0 = time.perf_counter()
                async with s.post(f"http://127.0.0.1:{port}/api/v1/statuses",
                                  json={"status": f"Big fan-out {now_tag()}-{i} #bench"},
                                  headers={"Authorization": f"Bearer {token}"}) as r:
                    body = await r.json()
                    assert r.status == 200, body
                t1 = time.perf_counter()
                status_id = int(body["id"])
                deadline = t1 + 30
                while time.perf_counter() < deadline:
                    if await conn.fetchval("SELECT 1 FROM home_feed WHERE account_id = $1 AND status_id = $2",
                                           FAN_BASE + BIG - 1, status_id):
                        break
                    await asyncio.sleep(0.002)
                t2 = time.perf_counter()
                reached = await conn.fetchval(
                    "SELECT count(*) FROM home_feed WHERE account_id >= $1 AND account_id < $2 "
                    "AND status_id = $3", FAN_BASE, FAN_BASE + BIG, status_id)
                out["post_ms"].append((t1 - t0) * 1000)
                out["visible_from_send_ms"].append((t2 - t0) * 1000)
                out["visible_from_answer_ms"].append((t2 - t1) * 1000)
                out["reached"].append(reached)
                say(f"    10k post {i}: answered in {(t1 - t0) * 1000:.1f} ms, in all "
                    f"{reached:,} feeds {(t2 - t0) * 1000:.0f} ms after sending")
                await asyncio.sleep(0.5)
    finally:
        await conn.close()
    return out


def run(*, quick: bool, size: str, rate: float, seconds: float | None, workers: int,
        stalls: bool = False, posts_per_author: int = POSTS_PER_AUTHOR) -> Result:
    duration = seconds or (4.0 if quick else 10.0)
    posts = int(rate * duration)
    res = Result("w5_api", params={"size": size, "rate_per_s": rate, "duration_s": duration,
                                   "job_workers": workers, "posts_per_author": posts_per_author})
    pin_self(LOAD_CORE)
    rows: list[list[Any]] = []
    stall_rows: list[list[Any]] = []
    # The app notes its event loop's stalls here (bench/looplag.py), to tell its own pauses
    # from waiting for a core that other processes hold.
    # (Opt-in: the watcher's 500 wake-ups a second add about 1 ms of app CPU per post.)
    lag_file = Path(tempfile.mkdtemp(prefix="commonhold-bench-lag-")) / "w5api.lag"
    if stalls:
        os.environ[looplag.ENV] = str(lag_file)

    async def main() -> dict[str, list[float]]:
        async with BenchPostgres() as pg:
            dsn, tokens, counts = await setup(pg, size, posts, posts_per_author)
            res.params["dataset"] = counts
            with ApiApp(dsn, workers=workers) as app:
                say("  W5 HTTP: warm-up ...")
                await open_loop(app.url("/"), rate=10, duration=1,
                                targets=post_targets(app.port, tokens[10], 10, f"w{now_tag()}"))
                await queue_drained(dsn)
                for n in SIZES_OPEN:
                    pg.pin()
                    targets = post_targets(app.port, tokens[n], posts, f"f{n}-{now_tag()}")
                    t_from = time.time()
                    with Meters(app.pid, pg.postmaster_pid) as m:
                        ol = await open_loop(app.url("/"), rate=rate, duration=duration,
                                             targets=targets, max_in_flight=512)
                        drain = await queue_drained(dsn)
                    if stalls:
                        lag = looplag.summarise(lag_file, t_from, time.time())
                        res.metric(f"f{n}.loop_stall_ms", lag["stall_ms"], "ms")
                        res.metric(f"f{n}.loop_own_work_ms", lag["own_work_ms"], "ms")
                        stall_rows.append([f"{n:,}", lag["stalls"], lag["stall_ms"],
                                           lag["longest_ms"], lag["own_work_stalls"],
                                           lag["own_work_ms"], lag["full_gcs"],
                                           lag["longest_gc_ms"]])
                    ok = max(ol["ok"], 1)
                    app_ms = m.out["app_s"] / ok * 1000
                    pg_ms = m.out["pg_s"] / ok * 1000
                    for k, v in (("p50_ms", ol["p50_ms"]), ("p99_ms", ol["p99_ms"]),
                                 ("max_ms", ol["max_ms"]), ("app_cpu_ms", app_ms),
                                 ("pg_cpu_ms", pg_ms)):
                        res.metric(f"f{n}.{k}", v, "ms")
                    rows.append([f"{n:,}", f"{ol['ok']:,}", f"{ol['achieved_rps']:.1f}",
                                 ol["p50_ms"], ol["p90_ms"], ol["p99_ms"], ol["max_ms"],
                                 f"{ol['non_2xx'] + ol['errors']}", f"{drain * 1000:.0f}",
                                 app_ms, pg_ms])
                    say(f"    {n} followers: p50 {ol['p50_ms']:.1f} ms, p99 {ol['p99_ms']:.1f} ms, "
                        f"non-2xx {ol['non_2xx']}, errors {ol['errors']}, queue drained "
                        f"{drain * 1000:.0f} ms after the last answer")
                say("  W5 HTTP: 10k followers ...")
                big = await big_fanout(app.port, dsn, tokens[BIG][0], 5 if quick else 10)
            await pg.drop_database(dsn)
        return big

    try:
        big = asyncio.run(main())
    finally:
        os.environ.pop(looplag.ENV, None)
    if stalls:
        res.table(["local followers", "stalls > 3 ms", "stalled ms", "longest ms",
                   "of which the app's own work", "own work ms", "full GCs", "longest GC ms"],
                  stall_rows, title="W5 over HTTP: the app's event-loop stalls during each size "
                                    "(own work: the loop's thread used at least half the "
                                    "stall on CPU; the rest is waiting for a core)")
    res.table(["local followers", "posts", "achieved/s", "p50 ms", "p90 ms", "p99 ms", "max ms",
               "non-2xx + errors", "queue empty after last answer, ms", "app CPU ms/post",
               "PG CPU ms/post"], rows,
              title=f"W5 POST /api/v1/statuses over HTTP, open loop {rate:.0f}/s "
                    f"(app with {workers} job workers, dataset {size})")
    post = res.metric("f10000.post_ms", big["post_ms"], "ms")
    vis = res.metric("f10000.visible_from_send_ms", big["visible_from_send_ms"], "ms")
    vis2 = res.metric("f10000.visible_from_answer_ms", big["visible_from_answer_ms"], "ms")
    res.table(["figure", "median (min–max)", "target"], [
        ["10k followers: POST answered, ms", mmm(post), ""],
        ["10k followers: sent → in all 10k feeds, ms", mmm(vis), "≤ 1,000"],
        ["10k followers: answer → in all 10k feeds, ms", mmm(vis2), ""],
        ["feeds reached (min)", f"{min(big['reached']):,}", "10,000"],
        *[[f"{n:,} followers: p99 ms", mmm(res.metrics[f'f{n}.p99_ms']), "≤ 15"] for n in SIZES_OPEN],
    ], title="W5 over HTTP against the targets")
    return res


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--size", default="S", choices=sorted(SIZES))
    p.add_argument("--rate", type=float, default=50.0, help="posts per second (open loop)")
    p.add_argument("--seconds", type=float, help="per size (default 4 quick, 10 full)")
    p.add_argument("--workers", type=int, default=32, help="job workers in the app (serve's default)")
    p.add_argument("--stalls", action="store_true",
                   help="also report the app's event-loop stalls (bench/looplag.py)")
    p.add_argument("--posts-per-author", type=int, default=POSTS_PER_AUTHOR,
                   help="posts each author makes (fewer: more authors per follower count); one "
                        "author's posts queue behind each other's commits, as each holds the "
                        "author's counter row until it commits")
    args = p.parse_args(argv)
    res = run(quick=args.quick, size=args.size, rate=args.rate, seconds=args.seconds,
              workers=args.workers, stalls=args.stalls, posts_per_author=args.posts_per_author)
    res.write()
    print("\n\n".join(res.tables))


if __name__ == "__main__":
    main()
