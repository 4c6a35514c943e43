"""W6's database around the runs: brought to steady state after seeding, and the autovacuum
runs that ended during a measured run (PostgreSQL shares the load core with the load tools).
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import Result, say


async def settle(conn: Any) -> dict[str, float]:
    """VACUUM (ANALYZE), then CHECKPOINT: the seed's GBs are otherwise still being vacuumed
    (autovacuum) and written out (the checkpoint the seed's WAL set off, spread over minutes)
    while the runs are measured, on the load core; a server in steady state has neither
    pending. Returns what was left out: seconds of each and the buffers the checkpoint wrote."""
    say("  W6: VACUUM (ANALYZE) and CHECKPOINT (steady state; --fresh to skip) ...")
    count = "SELECT buffers_checkpoint FROM pg_stat_bgwriter"
    t0 = time.perf_counter()
    await conn.execute("VACUUM (ANALYZE)", timeout=1800)
    t1 = time.perf_counter()
    b0 = await conn.fetchval(count)
    await conn.execute("CHECKPOINT", timeout=1800)
    b1 = await conn.fetchval(count)
    out = {"vacuum_s": round(t1 - t0, 1), "checkpoint_s": round(time.perf_counter() - t1, 1),
           "checkpoint_buffers": b1 - b0}
    say(f"    settled: {out}")
    return out


async def autovacuum_runs(dsn: str) -> list[tuple[str, str, float]]:
    """(table, vacuum or analyze, when it last ended) for the tables autovacuum worked on."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            """SELECT relname, extract(epoch FROM last_autovacuum) AS v,
                      extract(epoch FROM last_autoanalyze) AS a
                 FROM pg_stat_user_tables
                WHERE last_autovacuum IS NOT NULL OR last_autoanalyze IS NOT NULL""")
    finally:
        await conn.close()
    out = []
    for r in rows:
        for kind, at in (("vacuum", r["v"]), ("analyze", r["a"])):
            if at is not None:
                out.append((r["relname"], kind, float(at)))
    return out


def report_maintenance(res: Result, runs: list[tuple[str, str, float]],
                       windows: list[tuple[str, float, float]]) -> None:
    """Autovacuum on the load core competes with PostgreSQL's backends and the load tools:
    which of its last runs per table ended during a measured run."""
    rows = []
    for table, kind, at in sorted(runs, key=lambda r: r[2]):
        during = [name for name, t0, t1 in windows if t0 <= at <= t1]
        rows.append([table, kind, time.strftime("%H:%M:%S", time.gmtime(at)),
                     ", ".join(during) or "–"])
    res.params["autovacuum"] = rows
    if rows:
        res.table(["table", "autovacuum", "last ended (UTC)", "during"], rows,
                  title="W6 autovacuum's last runs (PostgreSQL shares the load core)")
