"""W7's client connections, one at a time: what an idle keep-alive connection costs the app.

The soak's generator keeps its connections open between requests, as many as it ever had in
flight at once, so every connection a burst opened stays until its keep-alive ends (75 s
idle). Here the app (w7_app with its probe) serves `--conns` connections that each made one
request (`--path`: a home timeline page by default, as a reader's client would) and stay
open; the probe before, with them open, and after they are closed, gives RSS, malloc,
pymalloc, Python blocks (and traced bytes with `--trace-frames`) per connection.

    python -m bench.scenarios.w7_conns [--conns 500] [--trace-frames 1]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import LOAD_CORE, Result, pin_self, proc_status_mib, say
from bench.db import BenchPostgres
from bench.scenarios.api_common import token_for
from bench.scenarios.w7_memory import ProbedApiApp, compare_snapshots
from bench.scenarios.w7_soak import setup

FIGURES = ("rss", "RssAnon", "malloc_arena", "malloc_in_use", "malloc_free", "pymalloc_arenas",
           "pymalloc_live", "blocks", "gc_objects", "traced", "server_handlers", "sockets")


async def measure(conns: int, trace_frames: int, size: str) -> list[dict[str, Any]]:
    async with BenchPostgres() as pg:
        dsn, users, _ = await setup(pg, size)
        probe_dir = Path(tempfile.mkdtemp(prefix="commonhold-bench-w7c-"))
        with ProbedApiApp(dsn, workers=0, max_seconds=900, probe_out=probe_dir / "probe.jsonl",
                          trace_frames=trace_frames) as app:
            base = f"http://127.0.0.1:{app.port}"

            async def one(session: aiohttp.ClientSession, i: int) -> None:
                user = users[i % len(users)]
                async with session.get(f"{base}/api/v1/timelines/home?limit=20", headers={
                        "Authorization": f"Bearer {token_for(user)}"}) as r:
                    await r.read()

            # A first session warms the route and the caches, then closes its connection.
            async with aiohttp.ClientSession() as s:
                for i in range(len(users)):
                    await one(s, i)
            await asyncio.sleep(12)   # a trim (memtune checks every 5 s)
            rows = [await app.probe() | {"when": "before"} | proc_status_mib(app.pid)]
            # One session per connection, so each stays open and idle after its request (the
            # client would close it after 15 s idle otherwise).
            sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1, keepalive_timeout=300))
                        for _ in range(conns)]
            for k in range(0, conns, 50):
                await asyncio.gather(*(one(sessions[i], i) for i in range(k, min(conns, k + 50))))
            await asyncio.sleep(12)
            rows.append(await app.probe() | {"when": f"{conns} open"} | proc_status_mib(app.pid))
            for s in sessions:
                await s.close()
            await asyncio.sleep(12)
            rows.append(await app.probe() | {"when": "closed"} | proc_status_mib(app.pid))
        await pg.drop_database(dsn)
    return rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--conns", type=int, default=500)
    p.add_argument("--trace-frames", type=int, default=0)
    p.add_argument("--size", default="S")
    args = p.parse_args(argv)
    pin_self(LOAD_CORE)
    say(f"  W7 connections: {args.conns} idle keep-alive connections")
    rows = asyncio.run(measure(args.conns, args.trace_frames, args.size))
    res = Result("w7_conns", params={"conns": args.conns, "trace_frames": args.trace_frames})
    keys = [k for k in FIGURES if any(k in r for r in rows)]
    table = [[r["when"], *[r.get(k, "–") for k in keys]] for r in rows]
    a, b = rows[0], rows[1]
    per = ["per connection (KiB; counts as is)"]
    for k in keys:
        if k in a and k in b and isinstance(a[k], (int, float)):
            d = b[k] - a[k]
            mib = k not in ("blocks", "gc_objects", "server_handlers", "sockets")
            per.append(round(d * 1024 / args.conns, 2) if mib else round(d / args.conns, 1))
        else:
            per.append("–")
    table.append(per)
    res.table(["when", *keys], table, title="W7 idle keep-alive connections (MiB unless a count)")
    if "snapshot" in a and "snapshot" in b:   # traced: where the connections' bytes are
        res.table(["site", "grew KiB", "now KiB", "blocks +"],
                  compare_snapshots(a["snapshot"], b["snapshot"], top=25),
                  title=f"W7 Python allocations of {args.conns} idle connections")
    res.write()
    print("\n\n".join(res.tables))


if __name__ == "__main__":
    main()
