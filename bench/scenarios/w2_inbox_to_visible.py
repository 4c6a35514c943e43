"""W2, inbox to visible: signed Create(Note)s from 1k known actors, all followed by the local
account u0, POSTed to the shared inbox of the app with its job workers ON in the same
process (create_app(job_workers=32), as `commonhold serve` runs them; one process pinned to
the app core), until each status is in u0's home feed.

- processed/s: N Creates sent at a rate above what the workers keep up with (open loop,
  `--burst-rate`); time from the first POST until every inbox item is processed and every
  status is in the feed.
- `--profile`: one more burst with the app under cProfile; the functions with the most own
  time (the job workers run in the app process, so processing is in it).
- lag: open loop at 500/s (and 250/s); for each Create, from its POST being due to the
  status being seen in `home_feed` by a poller (one indexed query every 20 ms, so lag is
  measured to ±20 ms). There is no `GET /api/v1/timelines/home` on this branch, so the feed
  table is what is polled.
"""

from __future__ import annotations

import argparse
import asyncio
import pstats
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import LOAD_CORE, Result, mmm, percentile, pin_self, runs_for, say
from bench.db import LOCAL_BASE, BenchPostgres
from bench.load.openloop import open_loop
from bench.scenarios.inbox_common import AppProcess, Meters, mixed_specs, now_tag, payloads, sign_all
from bench.scenarios.w1_inbox import _setup
from server.ids import id_at

POLL_S = 0.02
RECENT_S = 2.0
FULL_EVERY_S = 1.0
DRAIN_TIMEOUT = 120.0


async def _drive(app: AppProcess, dsn: str, signed: list[Any], rate: float) -> dict[str, Any]:
    """Send at `rate`, poll the feed until every status is seen (bounded), return the lags."""
    uris = {s.note_uri: i for i, s in enumerate(signed)}
    due: dict[int, float] = {}
    seen: dict[int, float] = {}
    conn = await asyncpg.connect(dsn)
    since = id_at(datetime.now(UTC) - timedelta(seconds=60))
    done_sending = asyncio.Event()

    known: set[int] = set()  # feed entries looked at already (ours or not)

    async def poll() -> None:
        # Each poll reads only the feed's status ids (an index-only scan of its primary key),
        # and the URIs of the new ones alone: joining every entry of the run to `statuses` on
        # every poll cost PostgreSQL, on the load core, more as the run went on. Ids are
        # made when a status is stored, so a poll reads only those made in the last
        # RECENT_S (a transaction open longer than that is caught by the full read every
        # FULL_EVERY_S): reading the whole run each time made the poller's PostgreSQL cost
        # grow with the run, to hundreds of rows read per activity.
        deadline = None
        full_at = 0.0
        while True:
            t = time.perf_counter()
            recent = id_at(datetime.now(UTC) - timedelta(seconds=RECENT_S))
            if t >= full_at:
                recent, full_at = since, t + FULL_EVERY_S
            ids = await conn.fetch("SELECT status_id FROM home_feed WHERE account_id = $1 "
                                   "AND status_id >= $2", LOCAL_BASE, max(since, recent))
            t = time.perf_counter()
            new = [r[0] for r in ids if r[0] not in known]
            if new:
                known.update(new)
                for r in await conn.fetch("SELECT uri FROM statuses WHERE id = ANY($1::bigint[])",
                                          new):
                    i = uris.get(r[0])
                    if i is not None and i not in seen:
                        seen[i] = t
            if done_sending.is_set():
                deadline = deadline or t + DRAIN_TIMEOUT
                if len(seen) >= len(signed) or t > deadline:
                    return
            await asyncio.sleep(POLL_S)

    poller = asyncio.create_task(poll())
    t0 = time.perf_counter()
    ol = await open_loop(f"http://127.0.0.1:{app.port}/inbox", rate=rate,
                         duration=len(signed) / rate + 1, method="POST",
                         payloads=payloads(signed), max_in_flight=512,
                         on_done=lambda i, d, st: due.__setitem__(i, d))
    done_sending.set()
    await poller
    processed = await conn.fetchval("SELECT count(*) FROM inbox_items WHERE state = 'processed'")
    await conn.close()
    lags = sorted((seen[i] - due[i]) * 1000 for i in seen if i in due)
    last = max(seen.values(), default=t0)
    return {"lags_ms": lags, "seen": len(seen), "sent": len(signed), "ok": ol["ok"],
            "all_visible_s": last - t0, "processed_total": processed,
            "post_p99_ms": ol["p99_ms"]}


async def _profiled_burst(dsn: str, n_actors: int, burst: int, rate: float,
                          top: int = 25) -> list[list[Any]]:
    """A burst with the app under cProfile: the functions with the most own time."""
    path = Path(tempfile.mkdtemp(prefix="commonhold-bench-prof-")) / "app.prof"
    with AppProcess(dsn, workers=32, profile=str(path)) as app:
        d = await _drive(app, dsn, sign_all(mixed_specs(burst, n_actors, f"p{now_tag()}",
                                                        kinds="create")), rate)
    say(f"    profiled burst: {d['seen']}/{d['sent']} visible in {d['all_visible_s']:.1f} s")
    stats = pstats.Stats(str(path))
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    rows = []
    for (file, line, fn), (_cc, nc, tt, ct, _) in sorted(
            stats.stats.items(), key=lambda kv: -kv[1][2])[:top]:  # type: ignore[attr-defined]
        where = file.split("site-packages/")[-1].split("/server/")[-1]
        rows.append([f"{where}:{line} {fn}", nc, f"{tt / total * 100:.1f} %",
                     f"{ct / total * 100:.1f} %"])
    return rows


def run(*, quick: bool, n_actors: int, burst: int, burst_rate: float,
        profile: bool = False) -> Result:
    runs = runs_for(quick, full=3, fast=1)
    lag_seconds = 5.0 if quick else 10.0
    res = Result("w2_inbox_to_visible", params={"runs": runs, "burst": burst,
                                                "burst_rate": burst_rate, "job_workers": 32,
                                                "workers_in": "the app process (core 0)"})
    pin_self(LOAD_CORE)

    async def main() -> dict[str, Any]:
        out: dict[str, Any] = {"proc_s": [], "app_us": [], "pg_us": [], "lag": {}}
        async with BenchPostgres() as pg:
            dsn = await _setup(pg, n_actors, "w2", watcher_follows_all=True)
            with AppProcess(dsn, workers=32) as app:
                say("  W2: warm-up ...")
                await _drive(app, dsn, sign_all(mixed_specs(300, n_actors, f"w{now_tag()}",
                                                            kinds="create")), 300)
                for r in range(runs):
                    signed = sign_all(mixed_specs(burst, n_actors, f"b{now_tag()}{r}", kinds="create"))
                    pg.pin()
                    with Meters(app.pid, pg.postmaster_pid) as m:
                        d = await _drive(app, dsn, signed, burst_rate)
                    out["proc_s"].append(d["seen"] / d["all_visible_s"])
                    out["app_us"].append(m.out["app_s"] / max(d["seen"], 1) * 1e6)
                    out["pg_us"].append(m.out["pg_s"] / max(d["seen"], 1) * 1e6)
                    say(f"    burst {r}: {d['seen']}/{d['sent']} visible in {d['all_visible_s']:.1f} s "
                        f"→ {out['proc_s'][-1]:,.0f}/s; app {out['app_us'][-1]:.0f} µs/activity")
                for rate in (250.0, 500.0):
                    for r in range(runs):
                        signed = sign_all(mixed_specs(int(rate * lag_seconds), n_actors,
                                                      f"l{now_tag()}{r}", kinds="create"))
                        d = await _drive(app, dsn, signed, rate)
                        out["lag"].setdefault(rate, []).append(d)
                        lg = d["lags_ms"]
                        say(f"    lag at {rate:.0f}/s run {r}: seen {d['seen']}/{d['sent']}, p50 "
                            f"{percentile(lg, 50):.0f} ms, p99 {percentile(lg, 99):.0f} ms, "
                            f"max {max(lg, default=float('nan')):.0f} ms")
            if profile:
                out["profile"] = await _profiled_burst(dsn, n_actors, burst, burst_rate)
            await pg.drop_database(dsn)
        return out

    out = asyncio.run(main())
    proc = res.metric("processed_per_s", out["proc_s"], "1/s")
    app = res.metric("app_cpu_us", out["app_us"], "µs")
    pgc = res.metric("pg_cpu_us", out["pg_us"], "µs")
    rows = [[f"burst of {burst:,} at {burst_rate:,.0f}/s offered", mmm(proc), mmm(app), mmm(pgc),
             "–", "–", "–", "–"]]
    for rate, ds in out["lag"].items():
        p50 = res.metric(f"lag_{rate:.0f}_p50_ms", [percentile(d["lags_ms"], 50) for d in ds], "ms")
        p99 = res.metric(f"lag_{rate:.0f}_p99_ms", [percentile(d["lags_ms"], 99) for d in ds], "ms")
        mx = res.metric(f"lag_{rate:.0f}_max_ms", [max(d["lags_ms"], default=float("nan")) for d in ds], "ms")
        vis = sum(d["seen"] for d in ds) / max(sum(d["sent"] for d in ds), 1)
        rows.append([f"open loop {rate:,.0f}/s", "", "", "", mmm(p50), mmm(p99), mmm(mx),
                     f"{vis * 100:.1f} %"])
    res.table(["load", "processed (visible)/s", "app CPU µs/activity", "PG CPU µs/activity",
               "lag p50 ms", "lag p99 ms", "lag max ms", "visible"], rows,
              title="W2 inbox to visible (Creates, job workers on in the app process, core 0)")
    if out.get("profile"):
        res.table(["function (app, cProfile, burst)", "calls", "own time", "cumulative"],
                  out["profile"], title="W2 where the app's time goes (top own time)")
    return res


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--actors", type=int, default=1000)
    p.add_argument("--burst", type=int, default=0, help="Creates per processed/s run")
    p.add_argument("--burst-rate", type=float, default=800.0)
    p.add_argument("--profile", action="store_true", help="add a burst under cProfile")
    args = p.parse_args(argv)
    burst = args.burst or (2000 if args.quick else 5000)
    res = run(quick=args.quick, n_actors=args.actors, burst=burst, burst_rate=args.burst_rate,
              profile=args.profile)
    res.write()
    print("\n\n".join(res.tables))


if __name__ == "__main__":
    main()
