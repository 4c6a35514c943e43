"""The app under test for W1–W3: what `commonhold serve` runs (server.app.create_app over
an open database), on 127.0.0.1, without migrations or the embedded-database start-up, with
the number of job workers chosen by the scenario (0: ingest only) and, when a fake fleet
runs, an HTTP client that reaches it through `FleetResolver` (never the real network).

    python -m bench.scenarios.inbox_app --dsn postgresql://... --workers 0 [--fleet-ports 1234]

Prints one JSON line ({"pid", "port"}) when listening; stops on SIGTERM or after
--max-seconds. With --profile FILE it runs under cProfile and writes the stats on exit.

W3 options: `--only-kinds K1,K2` runs the job workers for those kinds only (e.g. the
deferred key checks, while the inbox's processing jobs stay queued as in W1); `--no-web`
runs those workers alone, as `commonhold worker` does (port 0 in the JSON line);
`--sync-keys` turns `inbox_defer_unknown_keys` off (unknown keys fetched by the POST).
The client session is the app's own (`activitypub.http.client_session`: keep-alive 75 s,
8 connections per host) with a resolver that reaches only the fleet.

Instruments, each named by an environment variable holding a file (see scenarios/w1_tail.py):
BENCH_LOOP_LAG (event-loop stalls, bench/looplag.py), BENCH_REQ_TIMES (each request's time
split, bench/reqtimes.py) and BENCH_INBOX_BATCHES (the inbox's group commits).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import signal
import sys
import time
from pathlib import Path


async def serve(args: argparse.Namespace) -> None:
    from aiohttp import web

    from bench.db import bench_config
    from bench.fakes.fleet import FleetResolver, client_ssl_context
    from server.app import create_app
    from server.clock import SystemClock
    from server.db import Database
    from server.federation.activitypub import http as ap_http
    from server.jobs.context import JobContext
    from server.jobs.registry import job_handlers
    from server.runtime import KEEPALIVE_SECONDS, settle_heap

    only = [k for k in args.only_kinds.split(",") if k] or None
    config = bench_config(job_workers=args.workers, allow_private_addresses=True,
                          inbox_defer_unknown_keys=not args.sync_keys)
    db = await (Database.connect(args.dsn, max_size=args.pool) if args.pool
                else Database.connect(args.dsn))
    http = None
    if args.fleet_ports:
        cert = Path(args.cert_file).read_text() if args.cert_file else None
        http = ap_http.client_session(
            config, resolver=FleetResolver([int(p) for p in args.fleet_ports.split(",")]),
            ssl_context=client_ssl_context(cert) if cert else None)
    stop_workers = asyncio.Event()
    worker_tasks = []
    if only is not None and args.workers > 0:
        ctx = JobContext(db=db, clock=SystemClock(), config=config, http=http)
        if only == [VERIFY_KIND] and not args.no_yield:  # as serve runs them: the lane yields
            worker = _KindWorker(ctx, job_handlers(), slots=args.workers, base=VERIFY_KIND)
        else:
            worker = _KindWorker(ctx, job_handlers(), concurrency=args.workers, only=only)
        worker_tasks.append(asyncio.ensure_future(worker.run_forever(stop_workers)))
    runner = None
    port = 0
    if not args.no_web:
        app = create_app(config, db=db, http=http,
                         job_workers=args.workers if only is None else 0)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=5,
                               keepalive_timeout=KEEPALIVE_SECONDS)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", args.port, backlog=1024)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    settle_heap()  # as serve does once it listens
    from bench import looplag
    looplag.start_from_env()  # when a scenario asks which stalls the loop had
    print(json.dumps({"pid": os.getpid(), "port": port}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.max_seconds)
    except TimeoutError:
        print("inbox_app: --max-seconds reached, stopping", file=sys.stderr)
    finally:
        stop_workers.set()
        if worker_tasks:
            await asyncio.wait(worker_tasks, timeout=10)
        if runner is not None:
            await runner.cleanup()
        if http is not None:
            await http.close()
        await db.close()


VERIFY_KIND = "federation.verify_inbox_item"


def _kind_worker_class(base_kind: str | None = None):  # type: ignore[no-untyped-def]
    from server.federation.activitypub.unverified.slots import VerifyWorker
    from server.jobs.worker import Worker

    base = VerifyWorker if base_kind == VERIFY_KIND else Worker

    class KindWorker(base):  # type: ignore[valid-type,misc]
        """Wakes only for NOTIFYs of the kinds it runs (the payload is the kind): here the
        inbox's processing jobs stay queued, and waking a verify-only worker for each of
        them would charge this process a claim per stored activity."""

        async def _listen(self, on_notify):  # type: ignore[no-untyped-def]
            def filtered(*args):  # type: ignore[no-untyped-def]
                if self._serves(args[3]):
                    on_notify(*args)
            return await super()._listen(filtered)

    return KindWorker


def _KindWorker(*args, base=None, **kwargs):  # type: ignore[no-untyped-def]
    return _kind_worker_class(base)(*args, **kwargs)


def app_arguments(description: str, *, max_seconds: float) -> argparse.ArgumentParser:
    """What `serve` reads, for this module and for api_app, which serves the same app."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--dsn", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--workers", type=int, default=0, help="job worker concurrency (0: none)")
    p.add_argument("--pool", type=int, help="database pool size (default: serve's)")
    p.add_argument("--only-kinds", default="", help="comma-separated job kinds the workers run")
    p.add_argument("--no-web", action="store_true", help="job workers only (commonhold worker)")
    p.add_argument("--sync-keys", action="store_true",
                   help="fetch unknown keys in the POST (inbox_defer_unknown_keys off)")
    p.add_argument("--no-yield", action="store_true",
                   help="W3: verify jobs by a plain worker, not the lane that yields to requests")
    p.add_argument("--fleet-ports", default="")
    p.add_argument("--cert-file")
    p.add_argument("--max-seconds", type=float, default=max_seconds)
    p.add_argument("--profile", help="write cProfile stats (CPU time) here on exit")
    return p


BATCHES_ENV = "BENCH_INBOX_BATCHES"


def _record_batches() -> list[tuple[float, int, float]] | None:
    """With BENCH_INBOX_BATCHES naming a file: each group commit of the inbox as (wall-clock
    start, rows, seconds), and, with BENCH_REQ_TIMES, a request's wait for its row's commit
    counted as its SQL time (the statement runs in the writer's task, not the request's)."""
    if not os.environ.get(BATCHES_ENV):
        return None
    from bench import reqtimes
    from server.federation.activitypub import inbox_store

    batches: list[tuple[float, int, float]] = []
    write, store = inbox_store.InboxWriter._write, inbox_store.InboxWriter.store

    async def timed_write(self, batch):  # type: ignore[no-untyped-def]
        wall, t = time.time(), time.perf_counter()
        try:
            return await write(self, batch)
        finally:
            batches.append((wall, len(batch), time.perf_counter() - t))

    async def timed_store(self, item):  # type: ignore[no-untyped-def]
        rec = reqtimes._CURRENT.get()
        t = time.perf_counter()
        try:
            return await store(self, item)
        finally:
            if rec is not None:
                rec[0] += time.perf_counter() - t
                rec[1] += 1

    inbox_store.InboxWriter._write = timed_write  # type: ignore[method-assign]
    inbox_store.InboxWriter.store = timed_store  # type: ignore[method-assign]
    return batches


def main(argv: list[str] | None = None) -> None:
    args = app_arguments(__doc__.splitlines()[0], max_seconds=900.0).parse_args(argv)
    from bench import reqtimes
    from server.cli import run_loop  # uvloop where installed, as `commonhold serve` runs
    timings = reqtimes.enabled()   # BENCH_REQ_TIMES: each request's time split
    if timings:
        reqtimes.install()
    recorded = _record_batches()
    from bench.scenarios import w3_trace
    w3_trace.install_from_env()  # BENCH_W3_TRACE: the verify lane's decisions and jobs
    try:
        _run(args, run_loop)
    finally:
        w3_trace.dump()
        if timings:
            reqtimes.dump(timings)
        if recorded is not None:
            Path(os.environ[BATCHES_ENV]).write_text(json.dumps(recorded))


def _run(args: argparse.Namespace, run_loop) -> None:  # type: ignore[no-untyped-def]
    if args.profile:
        prof = cProfile.Profile(time.process_time)  # CPU time: waiting in epoll is no work
        prof.enable()
        try:
            run_loop(serve(args))
        finally:
            prof.disable()
            prof.dump_stats(args.profile)
    else:
        run_loop(serve(args))


if __name__ == "__main__":
    main()
