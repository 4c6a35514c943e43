"""Streaming: 1,000 open user streams (server-sent events, `GET /api/v1/streaming/user`),
all following one author who posts at a fixed rate; every post is one `update` event on
every stream. Reports events delivered per second and the delay from sending the POST to
each event's arrival (p50/p99/max), against api_app (uvloop, pinned to the app core, with
its job workers: the fan-out job inserts the home feed rows and NOTIFYs the hub on commit).

The streams are held by this process (the load core, shared with PostgreSQL); its parsing
is cheap (the status id is read, the rest of the entity skipped) but it competes with
PostgreSQL for that core.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from typing import Any

import asyncpg

from bench.common import LOAD_CORE, Result, SelfCpu, fmt, pin_self, say
from bench.db import FAN_AUTHOR_BASE, FAN_BASE, SIZES, BenchPostgres, seed_dataset, seed_fanout_authors
from bench.load.openloop import Histogram
from bench.scenarios.api_common import ApiApp, seed_tokens, seed_users
from bench.scenarios.inbox_common import Meters, now_tag

ID_RE = re.compile(rb'^data: \{"id": ?"(\d+)"')


async def setup(pg: BenchPostgres, size: str, streams: int) -> tuple[str, list[str], str]:
    dsn = await pg.fresh_database("stream")
    conn = await asyncpg.connect(dsn)
    try:
        say(f"  streaming: seeding dataset {size}, {streams:,} followers with tokens ...")
        await seed_dataset(conn, SIZES[size])
        await seed_fanout_authors(conn, [streams])
        fans = [FAN_BASE + i for i in range(streams)]
        author = FAN_AUTHOR_BASE + streams
        await seed_users(conn, [*fans, author])
        tokens = await seed_tokens(conn, [*fans, author])
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    pg.pin()
    return dsn, [tokens[f] for f in fans], tokens[author]


async def measure(port: int, fan_tokens: list[str], author_token: str, *, rate: float,
                  duration: float, settle: float = 5.0, on_open: Any = None) -> dict[str, Any]:
    import aiohttp

    sent: dict[int, float] = {}        # status id -> when its POST was sent
    arrivals: list[tuple[int, float]] = []
    opened = 0
    ready = asyncio.Event()
    base = f"http://127.0.0.1:{port}"
    conn = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(connector=conn, timeout=timeout) as s:
        async def stream(token: str) -> None:
            nonlocal opened
            async with s.get(f"{base}/api/v1/streaming/user",
                             headers={"Authorization": f"Bearer {token}"}) as r:
                assert r.status == 200, r.status
                opened += 1
                if opened == len(fan_tokens):
                    ready.set()
                async for line in r.content:
                    m = ID_RE.match(line)
                    if m:
                        arrivals.append((int(m.group(1)), time.perf_counter()))

        tasks = []
        for i, t in enumerate(fan_tokens):
            tasks.append(asyncio.create_task(stream(t)))
            if i % 100 == 99:
                await asyncio.sleep(0.05)   # open them in batches, not as a SYN flood
        await asyncio.wait_for(ready.wait(), timeout=120)
        say(f"    {opened:,} streams open")
        if on_open is not None:
            on_open()
        n_posts = max(1, int(rate * duration))
        t0 = time.perf_counter()
        for i in range(n_posts):
            due = t0 + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            async with s.post(f"{base}/api/v1/statuses",
                              json={"status": f"Stream post {now_tag()}-{i}"},
                              headers={"Authorization": f"Bearer {author_token}"}) as r:
                body = await r.json()
                assert r.status == 200, body
            sent[int(body["id"])] = due
        # Wait until every stream has every post, or `settle` seconds after the last post.
        expected = n_posts * len(fan_tokens)
        end = time.perf_counter() + settle
        while len(arrivals) < expected and time.perf_counter() < end:
            await asyncio.sleep(0.05)
        t_end = max((a for _, a in arrivals), default=time.perf_counter())
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    hist = Histogram()
    for sid, at in arrivals:
        if sid in sent:
            hist.record(at - sent[sid])
    got = sum(1 for sid, _ in arrivals if sid in sent)
    return {"posts": n_posts, "streams": len(fan_tokens), "expected": expected, "delivered": got,
            "events_per_s": got / max(t_end - t0, 1e-9), **hist.summary()}


def run(*, quick: bool, size: str, streams: int, rate: float, seconds: float | None,
        workers: int, profile: str | None = None) -> Result:
    duration = seconds or (5.0 if quick else 15.0)
    res = Result("streaming", params={"size": size, "streams": streams, "posts_per_s": rate,
                                      "duration_s": duration, "job_workers": workers,
                                      "transport": "SSE"})
    pin_self(LOAD_CORE)

    async def main() -> tuple[dict[str, Any], dict[str, float]]:
        async with BenchPostgres() as pg:
            dsn, fans, author = await setup(pg, size, streams)
            with ApiApp(dsn, workers=workers, profile=profile) as app:
                pg.pin()
                me = SelfCpu()
                m = Meters(app.pid, pg.postmaster_pid)

                def opened() -> None:
                    # CPU counted from here: opening 1,000 streams is not per-event work
                    me.start()
                    m.__enter__()
                    if profile:
                        app.start_profile()

                out = await measure(app.port, fans, author, rate=rate, duration=duration,
                                    on_open=opened)
                m.__exit__(None, None, None)
                m.out["client_s"] = me.stop()
            await pg.drop_database(dsn)
        return out, m.out

    out, cpu = asyncio.run(main())
    for k in ("events_per_s", "p50_ms", "p99_ms", "max_ms"):
        res.metric(k, out[k], "1/s" if k == "events_per_s" else "ms")
    app_us = cpu["app_s"] / max(out["delivered"], 1) * 1e6
    pg_us = cpu["pg_s"] / max(out["delivered"], 1) * 1e6
    client_us = cpu["client_s"] / max(out["delivered"], 1) * 1e6
    res.metric("app_cpu_us_per_event", app_us, "µs")
    res.metric("pg_cpu_us_per_event", pg_us, "µs")
    res.metric("client_cpu_us_per_event", client_us, "µs")
    say(f"    delivered {out['delivered']:,} of {out['expected']:,} events, "
        f"{out['events_per_s']:,.0f}/s, p50 {out['p50_ms']:.0f} ms, p99 {out['p99_ms']:.0f} ms")
    res.table(["streams", "posts", "events expected", "delivered", "events/s", "POST sent → event p50 ms",
               "p90 ms", "p99 ms", "max ms", "app CPU µs/event", "PG CPU µs/event",
               "client CPU µs/event"],
              [[f"{streams:,}", out["posts"], f"{out['expected']:,}", f"{out['delivered']:,}",
                out["events_per_s"], out["p50_ms"], out["p90_ms"], out["p99_ms"], out["max_ms"],
                fmt(app_us), fmt(pg_us), fmt(client_us)]],
              title=f"Streaming: {streams:,} SSE user streams, one author posting {rate:g}/s "
                    f"for {duration:g} s (target p99 ≤ 200 ms)")
    return res


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--size", default="S", choices=sorted(SIZES))
    p.add_argument("--streams", type=int, default=1000)
    p.add_argument("--rate", type=float, default=2.0, help="posts per second")
    p.add_argument("--seconds", type=float)
    p.add_argument("--workers", type=int, default=32)
    p.add_argument("--profile", metavar="FILE", help="cProfile (CPU time) of the app, written here")
    args = p.parse_args(argv)
    res = run(quick=args.quick, size=args.size, streams=args.streams, rate=args.rate,
              seconds=args.seconds, workers=args.workers, profile=args.profile)
    res.write()
    print("\n\n".join(res.tables))


if __name__ == "__main__":
    main()
