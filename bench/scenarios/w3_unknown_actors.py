"""W3, unknown actors: W1's mix where every 10th activity comes from an actor the app has
never seen, whose key it must fetch from the fake fleet (bench/fakes/fleet.py, TLS, 200 ms
per actor document). Each of those actors is new (a fresh name per activity), so every one
costs a fetch. The same app process first takes the pure W1 traffic (all known), then the
mixed traffic, both at saturation with wrk and 256 connections (so the 200 ms requests do
not starve the load generator's connections); known-actor throughput = stored rows from
known actors / run time. Fetch concurrency is the fleet's peak of actor GETs in flight
(the app allows keyring.MAX_CONCURRENT_FETCHES at once).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import asyncpg

from bench.common import LOAD_CORE, Result, mmm, pin_self, runs_for, say
from bench.db import BenchPostgres
from bench.fakes.fleet import FleetProcess
from bench.scenarios.inbox_common import (
    AppProcess,
    Meters,
    key_pool,
    mixed_specs,
    now_tag,
    saturate_inbox,
    sign_all,
)
from bench.scenarios.w1_inbox import SAT_CAP, _setup

CONNECTIONS = 256


async def _counts(dsn: str) -> tuple[int, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE actor_uri LIKE 'https://k%') AS known, "
            "count(*) FILTER (WHERE actor_uri LIKE 'https://r%') AS unknown FROM inbox_items")
        return row["known"], row["unknown"]
    finally:
        await conn.close()


def _runs(app: AppProcess, dsn: str, pg: BenchPostgres, *, runs: int, duration: float,
          n_actors: int, unknown_every: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"known_s": [], "unknown_s": [], "app_us": [], "non_2xx": []}
    for r in range(runs):
        tag = f"{'u' if unknown_every else 'k'}{now_tag()}{r}"
        specs = mixed_specs(int(SAT_CAP * duration), n_actors, tag, unknown_every=unknown_every,
                            n_unknown=10**9)
        # fresh unknown actors per run: put the run tag in their names
        specs = [(k, a.replace("/users/n", f"/users/n{tag}x") if "/users/n" in a else a, i, t)
                 for k, a, i, t in specs]
        signed = sign_all(specs)
        k0, u0 = asyncio.run(_counts(dsn))
        pg.pin()
        with Meters(app.pid, pg.postmaster_pid) as m:
            sat = saturate_inbox(app.port, signed, duration=duration, connections=CONNECTIONS)
        k1, u1 = asyncio.run(_counts(dsn))
        out["known_s"].append((k1 - k0) / duration)
        out["unknown_s"].append((u1 - u0) / duration)
        out["app_us"].append(m.out["app_s"] / max(k1 - k0 + u1 - u0, 1) * 1e6)
        out["non_2xx"].append(sat.get("non_2xx", 0))
        say(f"    {'mixed' if unknown_every else 'known'} run {r}: known {(k1 - k0) / duration:,.0f}/s,"
            f" unknown {(u1 - u0) / duration:,.0f}/s, non-2xx {sat.get('non_2xx', 0)}")
    return out


def run(*, quick: bool, n_actors: int, latency_ms: float) -> Result:
    runs = runs_for(quick, full=5, fast=2)
    duration = 3.0 if quick else 5.0
    res = Result("w3_unknown_actors", params={"runs": runs, "duration_s": duration,
                                              "fetch_latency_ms": latency_ms,
                                              "connections": CONNECTIONS})
    pin_self(LOAD_CORE)

    async def main() -> dict[str, Any]:
        async with BenchPostgres() as pg:
            dsn = await _setup(pg, n_actors, "w3")
            async with FleetProcess(tls=True, fetch_latency_ms=latency_ms,
                                    actor_public_pem=key_pool()[0][1]) as fleet:
                with AppProcess(dsn, fleet_ports=fleet.ports, cert_pem=fleet.cert_pem) as app:
                    say("  W3: warm-up (known and unknown) ...")
                    await asyncio.to_thread(_runs, app, dsn, pg, runs=1, duration=1.0,
                                            n_actors=n_actors, unknown_every=10)
                    await fleet.reset()
                    out = {}
                    for r in range(runs):  # interleave so both see the same machine load
                        for label, every in (("known", 0), ("mixed", 10)):
                            o = await asyncio.to_thread(_runs, app, dsn, pg, runs=1,
                                                        duration=duration, n_actors=n_actors,
                                                        unknown_every=every)
                            for k, v in o.items():
                                out.setdefault(label, {}).setdefault(k, []).extend(v)
                    out["fleet"] = await fleet.stats()
            await pg.drop_database(dsn)
            return out

    out = asyncio.run(main())
    base = res.metric("known_only_known_per_s", out["known"]["known_s"], "1/s")
    mix_k = res.metric("mixed_known_per_s", out["mixed"]["known_s"], "1/s")
    mix_u = res.metric("mixed_unknown_per_s", out["mixed"]["unknown_s"], "1/s")
    app_k = res.metric("known_only_app_us", out["known"]["app_us"], "µs")
    app_m = res.metric("mixed_app_us", out["mixed"]["app_us"], "µs")
    drop = 1 - mix_k["median"] / base["median"]
    res.ratios["w3.known_mixed_over_known_only"] = mix_k["median"] / base["median"]
    fl = out["fleet"]
    res.table(["traffic (wrk, 256 connections)", "known-actor accepted/s", "unknown-actor accepted/s",
               "app CPU µs/activity", "non-2xx"], [
        ["W1 mix, all actors known", mmm(base), "–", mmm(app_k), f"{sum(out['known']['non_2xx']):,.0f}"],
        [f"W1 mix, 10 % new actors (key fetched, {latency_ms:.0f} ms)", mmm(mix_k), mmm(mix_u),
         mmm(app_m), f"{sum(out['mixed']['non_2xx']):,.0f}"],
    ], title="W3 unknown actors")
    res.table(["figure", "value", "target"], [
        ["known-actor throughput drop (medians)", f"{drop * 100:.1f} %", "≤ 10 %"],
        ["actor documents fetched (all runs)", f"{fl.get('fetches', 0):,}", ""],
        ["peak actor fetches in flight at the fleet", f"{fl.get('max_fetches_in_flight', 0)}",
         "≤ 32 (keyring.MAX_CONCURRENT_FETCHES)"],
    ], title="W3 against the target")
    return res


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--actors", type=int, default=1000)
    p.add_argument("--latency-ms", type=float, default=200.0)
    args = p.parse_args(argv)
    res = run(quick=args.quick, n_actors=args.actors, latency_ms=args.latency_ms)
    res.write()
    print("\n\n".join(res.tables))


if __name__ == "__main__":
    main()
