"""W7, mixed soak: an open-loop mix against api_app (uvloop, pinned to the app core, with
its job workers) for 10 minutes (`--quick`: 60 s), stopping by itself:

- 80 % reads: home timeline 40 %, notifications 20 %, an account's statuses 20 %;
- 10 % signed inbox POSTs (inbox_common's W1 mix from 1k known remote actors);
- 5 % posts (POST /api/v1/statuses), 5 % favourites of dataset statuses.

Reported: answers by class (zero 5xx expected), p50/p99 per kind, the app's RSS after the
warm-up and at the end (growth ≤ 10 %), and every 10 s the job queue: ready jobs that are
due and how late the oldest of them is (lag), for local jobs (fan-out, notifications, inbox
processing) and for deliveries apart: W7 runs no fake fleet, so deliveries to the dataset's
remote hosts (`*.remote.bench.invalid`) fail (the app's resolver finds no address, see
w7_app) and retry with backoff, and later deliveries to the same inbox wait behind them
(per-inbox ordering). Reads and writes spread over every local user
of the dataset, so no token reaches the API's 300 requests per 5 minutes at the default rate.

`--minutes N` sets the length; `--probe` runs the app as w7_app, which reports at 30 s, every
30 s to minute 2, then every minute its RSS, glibc malloc figures, Python's allocated blocks,
threads, connections (database, clients', HTTP client's, streams), statement caches, every
module-level cache (entries and estimated bytes) and malloc_trim's pauses, then once more with
the caches emptied; `--trace-frames N` adds tracemalloc and the allocation sites (file:line)
that grew between the warm-up, 30 s, minutes 1, 2, 5 and the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench import reqtimes
from bench.common import LOAD_CORE, Result, fmt, pin_self, proc_rss_mib, proc_status_mib, say
from bench.db import BASE_URL, EPOCH_MS, LOCAL_BASE, SIZES, BenchPostgres, seed_dataset
from bench.load.openloop import HARD_MAX_SECONDS, Histogram, open_loop
from bench.scenarios.api_common import seed_tokens, token_for
from bench.scenarios.w7_memory import (
    ProbedApiApp,
    memory_tables,
    minute1_growth,
    probe_every,
    probe_times,
)
from bench.scenarios.inbox_common import (
    ACTOR_BASE,
    INBOX_URL,
    KEY_POOL,
    LOCAL_STATUS_BASE,
    actor_uri,
    key_pool,
    mixed_specs,
    now_tag,
    sign_all,
)

N_ACTORS = 1000
# Growth is a drift: it is read from the end of a warm-up that runs the soak's own mix at its
# rate, by when every kind of request has been served, the pool has its connections, the
# inbox has seen its remote keys and the caches hold their working set (about a minute at
# 150 req/s, measured). The growth from a cold start (3 s of home reads, as this soak began
# before) is reported beside it.
WARMUP_SECONDS = 60.0
# kind -> share of requests, in a fixed interleaving of 20 slots
SLOTS = ["home", "home", "notif", "acct", "home", "inbox", "home", "acct", "notif", "post",
         "home", "home", "acct", "notif", "home", "inbox", "acct", "home", "notif", "fav"]


async def seed_inbox_side(conn: asyncpg.Connection) -> None:
    """inbox_common's remote actors (with their keys) and the ten local statuses its Likes and
    Announces point at; the local accounts they name (u0 …) are the dataset's."""
    keys = key_pool()
    now = datetime.now(UTC)
    rows = []
    for i in range(N_ACTORS):
        uri = actor_uri(i)
        host = uri.split("/")[2]
        rows.append((ACTOR_BASE + i, f"a{i}", host, uri, f"{uri}/inbox", f"https://{host}/inbox",
                     keys[i % KEY_POOL][1], f"{uri}#main-key", f"{uri}/followers", now))
    await conn.executemany(
        """
        INSERT INTO accounts (id, username, domain, uri, url, inbox_url, shared_inbox_url,
                              public_key_pem, public_key_id, followers_url, created_at,
                              updated_at, fetched_at)
        VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10, $10, $10)""", rows)
    await conn.execute(
        """
        INSERT INTO statuses (id, account_id, uri, local, content, text_source, visibility,
                              conversation_id, created_at, updated_at, language)
        SELECT $1::bigint + i, $2, $3 || '/users/u0/statuses/' || ($1::bigint + i), true,
               '<p>Local ' || i || '</p>', 'Local ' || i, 'public', $1::bigint + i,
               to_timestamp($4 / 1000.0), to_timestamp($4 / 1000.0), 'en'
          FROM generate_series(0, 9) AS i""", LOCAL_STATUS_BASE, LOCAL_BASE, BASE_URL, EPOCH_MS)


async def setup(pg: BenchPostgres, size: str) -> tuple[str, list[int], list[int]]:
    dsn = await pg.fresh_database("w7")
    conn = await asyncpg.connect(dsn)
    try:
        say(f"  W7: seeding dataset {size}, remote actors and tokens ...")
        await seed_dataset(conn, SIZES[size])
        await seed_inbox_side(conn)
        users = [LOCAL_BASE + i for i in range(SIZES[size].local)]
        await seed_tokens(conn, users)
        public = [r[0] for r in await conn.fetch(
            "SELECT id FROM statuses WHERE visibility = 'public' ORDER BY id DESC LIMIT 5000")]
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    pg.pin()
    return dsn, users, public


def build_targets(port: int, users: list[int], public: list[int], n: int,
                  inbox: list[Any]) -> tuple[list[tuple[str, str, bytes | None, dict[str, str]]], list[str]]:
    base = f"http://127.0.0.1:{port}"
    targets, kinds = [], []
    k_inbox = 0
    for i in range(n):
        kind = SLOTS[i % len(SLOTS)]
        # + i // len(SLOTS): without it each slot (so all posts, all favourites) cycled through
        # only 10 of dataset S's 200 users, who passed the 300 posts per 3 hours in 12 minutes.
        user = users[(i * 7919 + i // len(SLOTS)) % len(users)]
        auth = {"Authorization": f"Bearer {token_for(user)}"}
        if kind == "home":
            t = ("GET", f"{base}/api/v1/timelines/home?limit=20", None, auth)
        elif kind == "notif":
            t = ("GET", f"{base}/api/v1/notifications?limit=20", None, auth)
        elif kind == "acct":
            other = users[(i * 104729) % len(users)]
            t = ("GET", f"{base}/api/v1/accounts/{other}/statuses?limit=20", None, auth)
        elif kind == "inbox":
            signed = inbox[k_inbox % len(inbox)]
            k_inbox += 1
            t = ("POST", f"{base}/inbox", signed.body, signed.headers)
        elif kind == "post":
            body = json.dumps({"status": f"Soak post {i} #bench"}).encode()
            t = ("POST", f"{base}/api/v1/statuses", body, {**auth, "Content-Type": "application/json"})
        else:
            sid = public[(i * 31) % len(public)]
            t = ("POST", f"{base}/api/v1/statuses/{sid}/favourite", None, auth)
        targets.append(t)
        kinds.append(kind)
    return targets, kinds


async def sample_queue(dsn: str, app_pid: int, samples: list[list[Any]], t0: float,
                       stop: asyncio.Event, every: float = 10.0) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        while not stop.is_set():
            row = await conn.fetchrow(
                """SELECT count(*) FILTER (WHERE state = 'ready' AND run_at <= $1) AS due,
                          count(*) FILTER (WHERE state = 'running') AS running,
                          count(*) FILTER (WHERE state = 'failed') AS failed,
                          extract(epoch FROM $1 - min(run_at) FILTER (
                              WHERE state = 'ready' AND run_at <= $1
                                AND kind <> 'federation.deliver')) AS lag,
                          extract(epoch FROM $1 - min(run_at) FILTER (
                              WHERE state = 'ready' AND run_at <= $1
                                AND kind = 'federation.deliver')) AS deliver_lag,
                          (SELECT count(*) FROM pg_stat_activity
                            WHERE datname = current_database()
                              AND pid <> pg_backend_pid()) AS backends
                     FROM jobs""", datetime.now(UTC))
            samples.append([round(time.perf_counter() - t0), row["due"], row["running"],
                            row["failed"], float(row["lag"] or 0.0),
                            float(row["deliver_lag"] or 0.0), proc_rss_mib(app_pid),
                            row["backends"]])
            try:
                await asyncio.wait_for(stop.wait(), timeout=every)
            except TimeoutError:
                pass
    finally:
        await conn.close()


def run(*, quick: bool, size: str, rate: float, seconds: float | None, workers: int,
        probe: bool = False, trace_frames: int = 0, tune_memory: bool = True,
        breakdown: bool = False, pool: int | None = None, warmup: float | None = None) -> Result:
    duration = seconds or (60.0 if quick else 600.0)
    warmup = (15.0 if quick else WARMUP_SECONDS) if warmup is None else warmup
    probe = probe or trace_frames > 0
    res = Result("w7_soak", params={"size": size, "rate": rate, "duration_s": duration,
                                    "job_workers": workers, "mix": dict(Counter(SLOTS)),
                                    "probe": probe, "trace_frames": trace_frames,
                                    "memory_tuning": tune_memory, "pool": pool,
                                    "warmup_s": warmup})
    probes: list[dict[str, Any]] = []
    probe_dir = Path(tempfile.mkdtemp(prefix="commonhold-bench-w7-")) if probe else None
    times_file = Path(tempfile.mkdtemp(prefix="commonhold-bench-w7-")) / "requests.jsonl"
    if breakdown:
        os.environ[reqtimes.ENV] = str(times_file)
    window: list[float] = []   # the soak's wall-clock start and end, for the breakdown
    pin_self(LOAD_CORE)
    n = int(rate * duration)
    n_warm = int(rate * warmup)
    say(f"  W7: signing {(n + n_warm) // 10:,} inbox activities ...")
    inbox = sign_all(mixed_specs(max(1, (n + n_warm) // 10), N_ACTORS, f"w7{now_tag()}"))
    hists: dict[str, Histogram] = {k: Histogram() for k in set(SLOTS)}
    classes: Counter[str] = Counter()
    samples: list[list[Any]] = []

    async def main() -> dict[str, Any]:
        async with BenchPostgres() as pg:
            dsn, users, public = await setup(pg, size)
            app_cm = ProbedApiApp(dsn, workers=workers, max_seconds=duration + 600,
                                  probe_out=probe_dir / "probe.jsonl" if probe_dir else None,
                                  trace_frames=trace_frames, tune_memory=tune_memory)
            if pool is not None:
                app_cm.pool = pool
            with app_cm as app:
                targets, kinds = build_targets(app.port, users, public, n + n_warm, inbox)
                warm_targets, targets, kinds = targets[:n_warm], targets[n_warm:], kinds[n_warm:]
                say("  W7: start (3 s of home reads) ...")
                await open_loop(app.url("/"), rate=50, duration=3,
                                targets=[t for t in targets if t[1].endswith("/timelines/home?limit=20")][:150])
                rss_cold = proc_rss_mib(app.pid)
                if n_warm:
                    say(f"  W7: warm-up, the soak's own mix for {warmup:.0f} s ...")
                    await open_loop(app.url("/"), rate=rate, duration=warmup,
                                    targets=warm_targets, max_in_flight=512)
                rss0 = proc_rss_mib(app.pid)
                if app.probing:
                    probes.append(await app.probe() | {"soak_s": 0} | proc_status_mib(app.pid))
                    rss0 = probes[-1].get("rss", rss0)
                def done(i: int, due: float, status: int) -> None:
                    hists[kinds[i]].record(time.perf_counter() - due)
                    classes[f"{status // 100}xx"] += 1
                    if status >= 500:
                        classes[f"5xx {kinds[i]}"] += 1

                stop = asyncio.Event()
                t0 = time.perf_counter()
                sampler = asyncio.create_task(sample_queue(dsn, app.pid, samples, t0, stop))
                prober = (asyncio.create_task(probe_every(app, probes, t0, stop,
                                                          at=probe_times(duration)))
                          if app.probing else None)
                say(f"  W7: {duration:.0f} s at {rate:.0f} req/s ...")
                window.append(time.time())
                if duration <= HARD_MAX_SECONDS:
                    ol = await open_loop(app.url("/"), rate=rate, duration=duration,
                                         targets=targets, on_done=done, max_in_flight=512)
                else:
                    ol = await open_loop_segments(app.url("/"), rate=rate, duration=duration,
                                                  targets=targets, on_done=done)
                window.append(time.time())
                stop.set()
                await sampler
                rss1 = proc_rss_mib(app.pid)
                proc_hwm = proc_status_mib(app.pid).get("VmHWM", float("nan"))
                if prober is not None:
                    await prober
                    probes.append(await app.probe() | {"soak_s": round(time.perf_counter() - t0)}
                                  | proc_status_mib(app.pid))
                    rss1 = probes[-1].get("rss", rss1)
                    # Attribution only, after the figures above: a trim, then the caches
                    # emptied.
                    probes.append(await app.probe_trimmed() | {"soak_s": "trimmed"}
                                  | proc_status_mib(app.pid))
                    await asyncio.sleep(5)
                    probes.append(await app.probe_released() | {"soak_s": "emptied"}
                                  | proc_status_mib(app.pid))
            await pg.drop_database(dsn)
        return {"ol": ol, "rss0": rss0, "rss1": rss1, "hwm": proc_hwm, "rss_cold": rss_cold}

    try:
        out = asyncio.run(main())
    finally:
        os.environ.pop(reqtimes.ENV, None)
    ol = out["ol"]
    growth = (out["rss1"] - out["rss0"]) / out["rss0"] * 100
    res.metric("p99_ms", ol["p99_ms"], "ms")
    res.metric("rss_growth_pct", growth, "%")
    res.metric("errors", ol["errors"], "count")
    res.metric("5xx", sum(v for k, v in classes.items() if k == "5xx"), "count")
    res.metric("max_queue_lag_s", max((s[4] for s in samples), default=0.0), "s")
    res.table(["figure", "value", "target"], [
        ["requests sent / answered", f"{ol['sent']:,} / {sum(v for k, v in classes.items() if len(k) == 3):,}", ""],
        ["achieved req/s", f"{ol['achieved_rps']:.1f}", f"{rate:.0f} offered"],
        ["answers by class", ", ".join(f"{k} {v:,}" for k, v in sorted(classes.items())), "zero 5xx"],
        ["client errors (no answer)", f"{ol['errors']:,}", "0"],
        ["p50 / p99 / max ms (all)", f"{fmt(ol['p50_ms'])} / {fmt(ol['p99_ms'])} / {fmt(ol['max_ms'])}", ""],
        [f"app RSS after the warm-up ({warmup:.0f} s of the mix) → end, MiB",
         f"{out['rss0']:.1f} → {out['rss1']:.1f} ({growth:+.1f} %)", "≤ +10 %"],
        ["app RSS from a cold start (3 s of home reads) → end, MiB",
         f"{out['rss_cold']:.1f} → {out['rss1']:.1f} "
         f"({(out['rss1'] - out['rss_cold']) / out['rss_cold'] * 100:+.1f} %)", ""],
        ["app RSS at minute 1 → end (every kind of request seen, the client's connections "
         "open), MiB", minute1_growth(samples, out["rss1"]), ""],
        ["app peak RSS (VmHWM; web and job workers are one process here), MiB",
         fmt(out["hwm"]), "≤ 150"],
        ["local job queue lag, max s", fmt(res.metrics["max_queue_lag_s"]["median"]), "bounded"],
        ["delivery queue lag, max s (remote hosts do not exist here)",
         fmt(max((s[5] for s in samples), default=0.0)), ""],
    ], title=f"W7 mixed soak, {duration:.0f} s at {rate:.0f} req/s (dataset {size}, {workers} job workers)")
    res.table(["kind", "share", "answered", "p50 ms", "p99 ms", "max ms"],
              [[k, f"{SLOTS.count(k) * 5} %", f"{h.n:,}", h.percentile(50), h.percentile(99), h.max_us / 1000]
               for k, h in sorted(hists.items())], title="W7 latency by kind (from when each was due)")
    res.table(["t s", "jobs due", "running", "failed", "oldest due local job late by s",
               "oldest due delivery late by s", "app RSS MiB",
               "app's pg connections (its pool and two listeners: backends in PostgreSQL)"],
              samples[::3] + ([samples[-1]] if len(samples) % 3 != 1 else []),
              title="W7 job queue and RSS over time (every 30 s)")
    if breakdown and times_file.exists() and len(window) == 2:
        report_breakdown(res, times_file, window[0], window[1])
    if probes:
        res.metric("peak_rss_mib", out["hwm"], "MiB")
        memory_tables(res, probes)
        res.notes.append("probes: " + json.dumps(probes))  # every figure, every cache
    return res


def report_breakdown(res: Result, path: Path, t0: float, t1: float) -> None:
    """Inside the app, over the soak (warm-up left out): p50 / p99 / max ms of each part of a
    request (bench/reqtimes.py), the pool wait among them."""
    b = reqtimes.summarise(path, t0, t1)
    res.metric("pool_wait_p99_ms", b["acquire"]["p99"], "ms")
    rows = [[name, f"{b[name]['p50']:.2f}", f"{b[name]['p90']:.2f}", f"{b[name]['p99']:.2f}",
             f"{b[name]['max']:.1f}", f"{b[name]['mean']:.3f}"]
            for name in ("total", "queue", "acquire", "sql", "own", "write")]
    res.table(["part", "p50", "p90", "p99", "max", "mean"], rows,
              title=f"W7 inside the app, {b['requests']:,} requests: ms per part (acquire: "
                    "waiting for a pool connection)")


async def open_loop_segments(url: str, *, rate: float, duration: float,
                             targets: list[tuple[str, str, bytes | None, dict[str, str]]],
                             on_done: Any) -> dict[str, Any]:
    """A soak longer than one open loop may run (HARD_MAX_SECONDS): open loops one after the
    other over one client session, so its connections stay open between them as a client's
    would. Each loop waits up to 10 s for its last answers before the next starts."""
    import aiohttp

    total: dict[str, Any] = {"sent": 0, "ok": 0, "errors": 0}
    everything = Histogram()
    start, left, wall = 0, duration, 0.0

    def done(offset: int) -> Any:
        def record(i: int, due: float, status: int) -> None:
            everything.record(time.perf_counter() - due)
            on_done(offset + i, due, status)
        return record

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=512)) as session:
        while left > 0:
            seg = min(left, HARD_MAX_SECONDS)
            n = int(rate * seg)
            t0 = time.perf_counter()
            r = await open_loop(url, rate=rate, duration=seg, targets=targets[start:start + n],
                                on_done=done(start), max_in_flight=512, session=session)
            wall += time.perf_counter() - t0
            for k in total:
                total[k] += r[k]
            start, left = start + n, left - seg
    return total | {"achieved_rps": total["ok"] / wall if wall else 0.0,
                    **everything.summary()}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="60 s instead of 10 minutes")
    p.add_argument("--size", default="S", choices=sorted(SIZES))
    p.add_argument("--rate", type=float, default=150.0, help="requests per second, all kinds")
    p.add_argument("--seconds", type=float)
    p.add_argument("--minutes", type=float, help="duration in minutes (instead of --seconds)")
    p.add_argument("--probe", action="store_true",
                   help="record RSS, malloc, connection and cache figures in the app at 30 s, "
                        "every 30 s to minute 2, then every minute")
    p.add_argument("--trace-frames", type=int, default=0,
                   help="with the probe, trace Python allocations (tracemalloc, N frames) and "
                        "report the sites that grew (costs memory and CPU: for attribution only)")
    p.add_argument("--no-memory-tuning", action="store_true",
                   help="with the probe, run the app without server.memtune (for comparison)")
    p.add_argument("--breakdown", action="store_true",
                   help="split each request's time inside the app (bench/reqtimes.py), the "
                        "wait for a pool connection among the parts; its records stay in the "
                        "app's memory until it exits, so not for RSS figures")
    p.add_argument("--workers", type=int, default=32)
    p.add_argument("--warmup", type=float, help=f"seconds of the mix before the soak "
                   f"(default {WARMUP_SECONDS:.0f})")
    p.add_argument("--pool", type=int, help="the app's database pool size (default: serve's)")
    args = p.parse_args(argv)
    seconds = args.minutes * 60 if args.minutes else args.seconds
    res = run(quick=args.quick, size=args.size, rate=args.rate, seconds=seconds,
              workers=args.workers, probe=args.probe, trace_frames=args.trace_frames,
              tune_memory=not args.no_memory_tuning, breakdown=args.breakdown, pool=args.pool,
              warmup=args.warmup)
    res.write()
    print("\n\n".join(res.tables))


if __name__ == "__main__":
    main()
