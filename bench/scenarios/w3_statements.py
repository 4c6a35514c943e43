"""W3, PostgreSQL's side by statement: one all-known and one mixed run at saturation (as in
w3_unknown_actors, `serve` mode by default), with pg_stat_statements reset before each run
and read right after it (before the drain), so the figures are what the saturated window
cost; then the drain alone. Needs COMMONHOLD_BENCH_DATABASE_URL naming a server that
preloads pg_stat_statements (see bench/micro/w6_statements.py).

    python -m bench.scenarios.w3_statements [--mode serve] [--duration 3]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from bench.common import LOAD_CORE, pin_self, say
from bench.db import BenchPostgres
from bench.fakes.fleet import FleetProcess
from bench.scenarios import w3_unknown_actors as w3
from bench.scenarios.inbox_common import key_pool
from bench.scenarios.w1_inbox import _setup


async def _statements(admin: str, dbname: str | None) -> list[tuple[str, int, float]]:
    conn = await asyncpg.connect(admin)
    try:
        if dbname is None:
            await conn.execute("SELECT pg_stat_statements_reset()")
            return []
        rows = await conn.fetch(
            "SELECT s.query, s.calls, s.total_exec_time FROM pg_stat_statements s "
            "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 AND s.calls > 0",
            dbname)
        return [(r["query"], r["calls"], r["total_exec_time"]) for r in rows]
    finally:
        await conn.close()


def _print(label: str, rows: list[tuple[str, int, float]], per: int, what: str) -> None:
    total = sum(r[2] for r in rows)
    print(f"{label}: {total * 1000 / max(per, 1):8.1f} µs of execution per {what} "
          f"({per} {what}s, {total:.0f} ms in all)")
    for query, calls, ms in sorted(rows, key=lambda r: -r[2])[:10]:
        print(f"  {ms * 1000 / max(per, 1):8.1f} µs {calls / max(per, 1):6.2f}× "
              f"{ms * 1000 / max(calls, 1):8.1f} µs/call  {' '.join(query.split())[:90]}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", default="serve", choices=w3.MODES)
    p.add_argument("--duration", type=float, default=3.0)
    args = p.parse_args(argv)
    pin_self(LOAD_CORE)

    async def run() -> None:
        async with BenchPostgres() as pg:
            dsn = await _setup(pg, 1000, f"w3st{args.mode}")
            dbname = urlsplit(dsn).path.lstrip("/")
            async with FleetProcess(tls=True, fetch_latency_ms=200, max_seconds=1800,
                                    actor_public_pem=key_pool()[0][1]) as fleet:
                with tempfile.TemporaryDirectory() as d:
                    with w3.W3App(args.mode, dsn, fleet, Path(d), LOAD_CORE) as app:
                        for label, every in (("warm-up", 10), ("known", 0), ("mixed", 10)):
                            await _statements(pg.admin_dsn, None)
                            out: dict[str, list[float]] = {}
                            await asyncio.to_thread(
                                w3._run, app, dsn, pg, duration=args.duration if label !=
                                "warm-up" else 1.0, n_actors=1000, unknown_every=every,
                                drain=0.0, out=out)
                            rows = await _statements(pg.admin_dsn, dbname)
                            if label == "warm-up":
                                continue
                            n = int(out["known_s"][0] * args.duration)
                            u = int(out["unknown_in_run_s"][0] * args.duration
                                    + out["waiting_at_end"][0])
                            _print(f"{label} run", rows, n + u, "activity")
                            if every:
                                say(f"  new actors during the run: {u}")
                                await _statements(pg.admin_dsn, None)
                                await asyncio.to_thread(w3._drain, dsn, 60.0)
                                # the run's _run drained nothing (drain=0.0): the actors
                                # verified now are those still waiting at its end
                                _print("its drain", await _statements(pg.admin_dsn, dbname),
                                       int(out["waiting_at_end"][0]), "new actor")
            await pg.drop_database(dsn)

    asyncio.run(run())


if __name__ == "__main__":
    main()
