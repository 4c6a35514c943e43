"""W4, outbound delivery: one local user with N followers spread Zipf-wise over S fake servers.

What runs is the real thing: `enqueue_deliveries` writes one `federation.deliver` job per
distinct (shared) inbox in one transaction, and the real `Worker.run_forever` (in this
process, pinned to the app core) claims them and POSTs signed requests through an aiohttp
session that resolves `rNNNN.bench.invalid` to the fake fleet on 127.0.0.1 (pinned to the
load core with PostgreSQL). The fleet counts what it accepted per inbox and checks a sample
of signatures.

Per case: one cold run (new connection, and with TLS a new handshake, to every server) then
warm runs (connections kept alive from the run before). Reported: deliveries/s, app CPU-µs
per POST (this process: signing, HTTP client, job queue, asyncpg), PostgreSQL and fleet
CPU-µs per POST, time from commit to the last delivery, retries (POSTs answered 503), and
shared-inbox dedup (POSTs accepted per server: 1 is 100 %).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import time
from dataclasses import dataclass
from typing import Any

from bench.common import (
    APP_CORE,
    RESULTS_DIR,
    Result,
    SelfCpu,
    mmm,
    pg_meter,
    pin_self,
    runs_for,
    say,
)
from bench.db import BenchPostgres, bench_config, placeholder_keypair, seed_delivery_sender
from bench.fakes.fleet import FleetProcess

NOTE_TEXT = ("Commonhold is owned by the people who use it. " * 40)[:1097]


def activity(n: int) -> dict[str, Any]:
    """A Create(Note) of about 2.6 kB, like a real public post with a tag and a mention."""
    base = "https://ch.bench.invalid/users/sender"
    sid = f"{base}/statuses/{n}"
    return {
        "@context": ["https://www.w3.org/ns/activitystreams",
                     {"ostatus": "http://ostatus.org#", "sensitive": "as:sensitive",
                      "Hashtag": "as:Hashtag"}],
        "id": f"{sid}/activity", "type": "Create", "actor": base,
        "published": "2026-11-25T12:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [f"{base}/followers"],
        "object": {
            "id": sid, "type": "Note", "summary": None, "inReplyTo": None,
            "published": "2026-11-25T12:00:00Z", "url": f"https://ch.bench.invalid/@sender/{n}",
            "attributedTo": base, "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [f"{base}/followers"], "sensitive": False, "conversation": f"tag:ch,{n}",
            "content": f"<p>{NOTE_TEXT} <a href=\"https://ch.bench.invalid/tags/bench\" "
                       f"class=\"mention hashtag\" rel=\"tag\">#<span>bench</span></a></p>",
            "contentMap": {"en": f"<p>{NOTE_TEXT[:200]}</p>"},
            "attachment": [], "tag": [{"type": "Hashtag", "href": "https://ch.bench.invalid/tags/bench",
                                       "name": "#bench"}],
            "replies": {"id": f"{sid}/replies", "type": "Collection",
                        "first": {"type": "CollectionPage", "next": f"{sid}/replies?page=true",
                                  "partOf": f"{sid}/replies", "items": []}}},
    }


@dataclass(frozen=True)
class Case:
    followers: int
    servers: int
    tls: bool
    latency_ms: float
    error_rate: float
    concurrency: int
    keepalive: float = 75.0       # what the app's client session keeps idle connections for
    light_reset: bool = False     # experiment: pool release without asyncpg's reset round trip

    @property
    def label(self) -> str:
        return (f"{self.followers // 1000}k/{self.servers} {'TLS' if self.tls else 'plain'} "
                f"{self.latency_ms:g}ms {self.error_rate:.0%}err c={self.concurrency}"
                + (f" ka={self.keepalive:g}s" if self.keepalive != 75.0 else "")
                + (" light-reset" if self.light_reset else ""))


async def run_case(pg: BenchPostgres, case: Case, *, warm_runs: int, profile: bool = False,
                   timeout: float = 120.0) -> dict[str, Any]:
    from server.clock import SystemClock
    from server.federation import delivery
    from server.follows import queries as follows_q
    from server.jobs.context import JobContext
    from server.jobs.registry import job_handlers

    private_pem, public_pem = placeholder_keypair()
    dsn = await pg.fresh_database("w4")
    db = await _connect(dsn, case.light_reset)
    try:
        async with db.acquire() as conn:
            seeded = await seed_delivery_sender(conn, followers=case.followers, servers=case.servers,
                                                private_pem=private_pem, public_pem=public_pem)
        pg.pin()
        runs: list[dict[str, Any]] = []
        async with FleetProcess(tls=case.tls, latency_ms=case.latency_ms,
                                error_rate=case.error_rate, public_key_pem=public_pem,
                                verify_every=20) as fleet:
            scheme = "https" if case.tls else "http"
            async with db.transaction() as conn:
                await conn.execute(
                    "UPDATE accounts SET shared_inbox_url = replace(shared_inbox_url, 'https://', $1) "
                    "WHERE id >= 8000000", f"{scheme}://")
            config = bench_config(allow_private_addresses=True)
            async with fleet.app_session(config, keepalive_timeout=case.keepalive) as http:
                ctx = JobContext(db=db, clock=SystemClock(), config=config, http=http)
                # The workers `commonhold serve` runs: the job workers (32, the default) and
                # the delivery worker with `case.concurrency` slots.
                workers = delivery.make_workers(ctx, job_handlers(), job_workers=32,
                                                delivery_workers=case.concurrency)
                stop = asyncio.Event()
                tasks = [asyncio.create_task(w.run_forever(stop)) for w in workers]
                try:
                    for r in range(1 + warm_runs):
                        prof = cProfile.Profile(time.process_time) if (profile and r == 1) else None
                        runs.append(await _one_run(db, fleet, case, r, delivery, follows_q,
                                                   seeded["sender_id"], timeout, prof,
                                                   pg.postmaster_pid))
                        say(f"  W4 {case.label} run {r} ({'cold' if r == 0 else 'warm'}): "
                            f"{runs[-1]['rate']:.0f}/s, last at {runs[-1]['t_last']:.2f}s, "
                            f"app {runs[-1]['app_us']:.0f} µs/POST")
                finally:
                    stop.set()
                    await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    finally:
        await db.close()
        await pg.drop_database(dsn)
    return {"case": case, "runs": runs, "per_server": seeded["per_server"]}


async def _connect(dsn: str, light_reset: bool) -> Any:
    """The server's pool, or (experiment) the same pool whose release skips asyncpg's reset
    query (an open transaction is still rolled back)."""
    from server.db import Database

    if not light_reset:
        return await Database.connect(dsn)
    import asyncpg

    from server.db.pool import _init_connection

    async def reset(conn: Any) -> None:
        return None

    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=20, init=_init_connection, timeout=10,
                                     command_timeout=60, reset=reset)
    return Database(pool, dsn)


async def _one_run(db: Any, fleet: FleetProcess, case: Case, r: int, delivery: Any, follows_q: Any,
                   sender_id: int, timeout: float, prof: cProfile.Profile | None,
                   postmaster_pid: int | None) -> dict[str, Any]:
    from server.clock import SystemClock

    await fleet.reset()
    before = await fleet.stats(brief=True)
    fleet_cpu0 = (await fleet.stats())["cpu_seconds"]
    cpu = SelfCpu()
    pgm = pg_meter(postmaster_pid)
    t_post = time.time()
    cpu.start()
    if pgm:
        pgm.start()
    if prof:
        prof.enable()
    async with db.transaction() as conn:
        inboxes = await follows_q.list_follower_inboxes(conn, target_id=sender_id)
        n_jobs = await delivery.enqueue_deliveries(conn, actor_id=sender_id, activity=activity(r),
                                                   inboxes=inboxes, now=SystemClock().now())
    t_commit = time.time()
    deadline = time.monotonic() + timeout
    stats = before
    while time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        stats = await fleet.stats(brief=True)
        if stats["accepted"] >= n_jobs:
            break
    # The last job is deleted just after its POST is answered: wait for the queue to drain.
    async with db.acquire() as conn:
        while time.monotonic() < deadline and await conn.fetchval("SELECT count(*) FROM jobs"):
            await asyncio.sleep(0.005)
    t_drained = time.time()
    if prof:
        prof.disable()
        _write_profile(prof, case)
    app_s = cpu.stop()
    pg_s = pgm.stop() if pgm else float("nan")
    full = await fleet.stats()
    posts = full["posts"]
    accepted = full["accepted"]
    times = sorted(t - t_commit for t in full["accepted_at"])
    t_last = times[-1] if times else float("nan")
    # Inboxes that took the first POST, apart from those that needed a retry (Retry-After).
    retried = sorted(t - t_commit for t in full["retried_at"])
    first = list(times)
    for t in retried:
        first.remove(t)
    t_first = first[-1] if first else float("nan")
    t95 = times[int(0.95 * (len(times) - 1))] if times else float("nan")
    return {
        "jobs": n_jobs, "posts": posts, "accepted": accepted, "complete": accepted >= n_jobs,
        "enqueue_ms": (t_commit - t_post) * 1000, "t_last": t_last, "t95": t95,
        "t_first": t_first, "retried_inboxes": len(retried),
        "t_drained": t_drained - t_commit,
        "rate": accepted / t_last if t_last == t_last and t_last > 0 else 0.0,
        "rate95": 0.95 * accepted / t95 if t95 == t95 and t95 > 0 else 0.0,
        "retries": posts - accepted, "app_us": app_s / max(posts, 1) * 1e6,
        "pg_us": pg_s / max(posts, 1) * 1e6,
        "fleet_us": (full["cpu_seconds"] - fleet_cpu0) / max(posts, 1) * 1e6,
        "hosts": full["hosts"], "max_per_host": full["max_per_host"],
        "dedup": full["hosts"] == case.servers and full["max_per_host"] == 1 and accepted == case.servers,
        "verified": full["verified"], "verify_failed": full["verify_failed"],
        "verify_error": full["verify_error"],
    }


def _write_profile(prof: cProfile.Profile, case: Case) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    st = pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime")
    st.print_stats(35)
    out.write("\n\n---- by cumulative time ----\n")
    st.sort_stats("cumulative").print_stats(45)
    path = RESULTS_DIR / "w4_profile.txt"
    path.write_text(f"W4 profile (CPU time), warm run, {case.label}\n\n{out.getvalue()}")
    say(f"  profile written to {path}")


def _rsa_sign_us() -> float:
    import statistics

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from bench.common import time_op
    from server.federation.activitypub import signatures

    key = signatures.load_private_key(placeholder_keypair()[0])
    msg = b"x" * 200
    return statistics.median(time_op(lambda: key.sign(msg, padding.PKCS1v15(), hashes.SHA256()),
                                     runs=5, min_time=0.1))


def default_cases(quick: bool, concurrency: int) -> list[Case]:
    cases = [
        Case(10_000, 1_800, False, 0, 0.0, concurrency),
        Case(10_000, 1_800, True, 0, 0.0, concurrency),
        Case(10_000, 1_800, True, 50, 0.05, concurrency),
        Case(1_000, 300, True, 50, 0.05, concurrency),
    ]
    if not quick:
        cases.append(Case(10_000, 1_800, True, 50, 0.05, 32))  # the job workers' width
        cases.append(Case(10_000, 1_800, True, 200, 0.05, concurrency))
    return cases


async def run(*, quick: bool, concurrency: int = 128, profile: bool = False,
              cases: list[Case] | None = None) -> Result:
    pinned = pin_self(APP_CORE)
    warm_runs = runs_for(quick, full=5, fast=2)
    res = Result("w4_delivery", params={"warm_runs": warm_runs, "pinned": pinned,
                                        "concurrency": concurrency})
    rows = []
    sign_us = _rsa_sign_us()
    res.metric("rsa2048_sign_us", sign_us, "µs")
    async with BenchPostgres() as pg:
        for case in cases or default_cases(quick, concurrency):
            out = await run_case(pg, case, warm_runs=warm_runs, profile=profile)
            cold, warm = out["runs"][0], out["runs"][1:]
            key = f"{case.followers}_{case.servers}_{'tls' if case.tls else 'plain'}_" \
                  f"{case.latency_ms:g}ms_{int(case.error_rate * 100)}pct_c{case.concurrency}"
            m = {name: res.metric(f"{key}.{name}", [w[name] for w in warm], unit)
                 for name, unit in (("rate", "deliveries/s"), ("rate95", "deliveries/s"),
                                    ("app_us", "µs/POST"), ("pg_us", "µs/POST"),
                                    ("fleet_us", "µs/POST"), ("t_first", "s"), ("t_last", "s"),
                                    ("t95", "s"),
                                    ("enqueue_ms", "ms"), ("retries", "POSTs"))}
            res.metric(f"{key}.cold_rate", cold["rate"], "deliveries/s")
            res.metric(f"{key}.cold_t_last", cold["t_last"], "s")
            res.metric(f"{key}.cold_t_first", cold["t_first"], "s")
            res.metric(f"{key}.cold_app_us", cold["app_us"], "µs/POST")
            ok = all(x["complete"] for x in out["runs"])
            dedup = all(x["dedup"] for x in out["runs"])
            verify = f"{sum(x['verified'] for x in out['runs'])} ok / " \
                     f"{sum(x['verify_failed'] for x in out['runs'])} bad"
            rows.append([case.label, f"{cold['jobs']:,}", f"{cold['rate']:.0f}",
                         f"{cold['t_first']:.2f} / {cold['t_last']:.2f}",
                         f"{cold['app_us']:.0f}", mmm(m["rate"]), mmm(m["rate95"]), mmm(m["app_us"]),
                         mmm(m["pg_us"]), mmm(m["fleet_us"]), mmm(m["t_first"]), mmm(m["t_last"]),
                         mmm(m["enqueue_ms"]), mmm(m["retries"]),
                         "100 %" if dedup else "NO", verify, "yes" if ok else "NO"])
            if case.latency_ms == 0 and case.error_rate == 0:
                # Unitless: a warm delivery's app CPU over one RSA-2048 signature, same run.
                res.ratios[f"w4.{key}.app_over_rsa_sign"] = m["app_us"]["median"] / sign_us
                res.lower_is_better.append(f"w4.{key}.app_over_rsa_sign")
    res.table(["case", "inboxes", "cold /s", "cold first try / all (s)", "cold app µs/POST",
               "warm /s", "warm /s (95 %)", "app µs/POST", "PG µs/POST", "fleet µs/POST",
               "all first tries (s)", "incl. retried (s)", "enqueue (ms)", "retries", "dedup",
               "signatures checked",
               "complete"], rows, title="W4 outbound delivery (warm: median (min–max))")
    res.notes.append(f"RSA-2048 sign on this machine, this run: {sign_us:.0f} µs.")
    res.notes.append("rate = accepted deliveries / time from commit to the last accepted delivery; "
                     "rate95 = 95 % of them / time to the 95th percentile (excludes the retry tail).")
    res.notes.append("'all first tries' = commit to the last inbox that took its first POST; "
                     "'incl. retried' = to the last inbox, including those answered 503 first and "
                     "retried after their Retry-After (1 s here; Mastodon's own retries wait longer).")
    return res


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="W4 outbound delivery")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--concurrency", type=int, default=128,
                   help="delivery worker slots (config delivery_workers, default 128)")
    p.add_argument("--profile", action="store_true", help="cProfile the first warm run of each case")
    p.add_argument("--case", action="append", default=[],
                   help="followers,servers,tls(0/1),latency_ms,error_rate e.g. 10000,1800,1,50,0.05")
    p.add_argument("--keepalive", type=float, default=75.0,
                   help="client keep-alive seconds for --case runs (the app's: 75)")
    p.add_argument("--light-reset", action="store_true",
                   help="experiment for --case runs: pool release without the reset query")
    args = p.parse_args(argv)
    cases = None
    if args.case:
        cases = []
        for spec in args.case:
            f, s, t, lat, err = spec.split(",")
            cases.append(Case(int(f), int(s), t == "1", float(lat), float(err), args.concurrency,
                              keepalive=args.keepalive, light_reset=args.light_reset))
    from server.cli import run_loop

    async def go() -> None:
        # The event loop `commonhold serve` runs on (uvloop where installed).
        res = await run(quick=args.quick, concurrency=args.concurrency, profile=args.profile,
                        cases=cases)
        res.write()
        print("\n\n".join(res.tables))

    run_loop(go())


if __name__ == "__main__":
    main()
