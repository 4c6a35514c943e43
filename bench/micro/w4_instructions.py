"""Micro: machine instructions per signed delivery (W4), counted by callgrind, so old and new
code compare on a busy machine (instruction counts do not depend on the load).

One sender is seeded with `--followers` followers on `--servers` fake servers, and one fleet
(bench/fakes/fleet.py, not under valgrind) answers on loopback, with or without TLS. For each
source tree given (`--tree`, default this repository; e.g. an export of an older commit), a
child process runs that tree's delivery worker and client session (the ones `commonhold
serve` runs) under `valgrind --tool=callgrind` with instrumentation off. It delivers one
post to every server (cold: new connections), one more with instrumentation on (settling),
then the counters are zeroed and `--posts` posts are delivered, counted and dumped. With
`--cold`, idle connections close after 10 ms, so every POST opens a new connection (and
with TLS makes a full handshake: asyncio's transports cannot resume a TLS session).
Reported: Ir per POST, and the heaviest functions (callgrind_annotate).

Only the app's process is counted: PostgreSQL and the fleet run apart. Compare trees within
one invocation (same dataset); runs of one tree agree within about 1 %.

    python -m bench.micro.w4_instructions --tree /tmp/old --tree . [--tls] [--repeat 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import REPO_DIR, say, stop_process
from bench.micro.w6_instructions import control, top_functions, total_ir


# --------------------------------------------------------------------------- the child

async def child(args: argparse.Namespace) -> None:
    """The app's side: the delivery workers, driven by lines on stdin ("post" / "quit")."""
    from bench.db import bench_config
    from bench.fakes.fleet import FleetResolver, client_ssl_context
    from bench.scenarios.w4_delivery import activity
    from server.clock import SystemClock
    from server.db import Database
    from server.federation import delivery
    from server.federation.activitypub import http
    from server.follows import queries as follows_q
    from server.jobs.context import JobContext
    from server.jobs.registry import job_handlers

    # Under valgrind the app runs some fifty times slower: a POST answered while the loop
    # signs the rest of a claim could outlast the client's timeout and be sent again.
    import aiohttp

    delivery.TIMEOUT = aiohttp.ClientTimeout(total=3600, connect=600)
    db = await Database.connect(args.dsn)
    cert = Path(args.cert).read_text() if args.cert else None
    config = bench_config(allow_private_addresses=True)
    session = http.client_session(config, resolver=FleetResolver(json.loads(args.ports)),
                                  ssl_context=client_ssl_context(cert) if cert else None,
                                  keepalive_timeout=args.keepalive)
    ctx = JobContext(db=db, clock=SystemClock(), config=config, http=session)
    workers = delivery.make_workers(ctx, job_handlers(), job_workers=32,
                                    delivery_workers=args.concurrency)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run_forever(stop)) for w in workers]
    loop = asyncio.get_running_loop()
    print(json.dumps({"ready": True}), flush=True)
    n = 0
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if line != "post":
            break
        n += 1
        async with db.transaction() as conn:
            inboxes = await follows_q.list_follower_inboxes(conn, target_id=args.sender)
            jobs = await delivery.enqueue_deliveries(conn, actor_id=args.sender,
                                                     activity=activity(n), inboxes=inboxes,
                                                     now=SystemClock().now())
        while True:  # polled slowly: the poll is counted too
            await asyncio.sleep(0.2)
            async with db.acquire() as conn:
                if not await conn.fetchval("SELECT count(*) FROM jobs"):
                    break
        print(json.dumps({"jobs": jobs}), flush=True)
    stop.set()
    await asyncio.gather(*tasks)
    await session.close()
    await db.close()


# --------------------------------------------------------------------------- the parent

class Child:
    def __init__(self, tree: Path, prefix: list[str], argv: list[str]) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMMONHOLD_")}
        env["PYTHONPATH"] = str(tree)
        env["PYTHONHASHSEED"] = "0"
        self.proc = subprocess.Popen([*prefix, sys.executable, str(Path(__file__).resolve()),
                                      "--child", *argv], cwd=str(tree), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env)
        self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the delivery child stopped")
        return json.loads(line)

    def post(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.write("post\n")
        self.proc.stdin.flush()
        return int(self._read()["jobs"])

    def close(self) -> None:
        if self.proc.stdin is not None and self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            try:
                self.proc.wait(timeout=300)
            except subprocess.TimeoutExpired:
                pass
        stop_process(self.proc, timeout=60)


async def measure(tree: Path, label: str, fleet: Any, child_argv: list[str],
                  args: argparse.Namespace, out_dir: Path) -> dict[str, Any]:
    out = out_dir / f"callgrind.{label}"
    prefix = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
              "--dump-instr=no", "--compress-strings=no"]
    t0 = time.perf_counter()
    proc = Child(tree, prefix, child_argv)
    try:
        proc.post()                      # cold: connections (and handshakes) to every server
        control(proc.proc.pid, "-i", "on")
        proc.post()                      # settling, instrumented
        control(proc.proc.pid, "-z")
        await fleet.reset()
        jobs = sum(proc.post() for _ in range(args.posts))
        stats = await fleet.stats(brief=True)
        control(proc.proc.pid, "-d", f"w4-{label}")
    finally:
        proc.close()
    dumps = sorted(out_dir.glob(f"callgrind.{label}*"))
    dump = next(p for p in dumps if "w4-" in p.read_text(errors="replace")[:4000])
    ir = total_ir(dump)
    posts = int(stats["posts"])
    return {"tree": str(tree), "label": label, "jobs": jobs, "posts": posts,
            "accepted": stats["accepted"], "ir_per_post": ir / max(posts, 1), "file": str(dump),
            "top_inclusive": top_functions(dump, args.top, inclusive=True),
            "top_self": top_functions(dump, args.top, inclusive=False),
            "wall_s": round(time.perf_counter() - t0, 1)}


async def parent(args: argparse.Namespace) -> list[dict[str, Any]]:
    from bench.db import BenchPostgres, placeholder_keypair, seed_delivery_sender
    from bench.fakes.fleet import FleetProcess

    trees = [t.resolve() for t in (args.tree or [REPO_DIR])]
    out_dir = Path(tempfile.mkdtemp(prefix="commonhold-bench-w4ir-"))
    private_pem, public_pem = placeholder_keypair()
    results = []
    async with BenchPostgres() as pg:
        dsn = await pg.fresh_database("w4ir")
        import asyncpg

        conn = await asyncpg.connect(dsn)
        try:
            seeded = await seed_delivery_sender(conn, followers=args.followers,
                                                servers=args.servers, private_pem=private_pem,
                                                public_pem=public_pem)
            scheme = "https" if args.tls else "http"
            await conn.execute("UPDATE accounts SET shared_inbox_url = "
                               "replace(shared_inbox_url, 'https://', $1) WHERE id >= 8000000",
                               f"{scheme}://")
        finally:
            await conn.close()
        # Each tree takes minutes under valgrind: the fleet must outlive them all.
        async with FleetProcess(tls=args.tls, public_key_pem=public_pem, verify_every=0,
                                max_seconds=7200) as fleet:
            cert = ""
            if fleet.cert_pem:
                cert = str(out_dir / "cert.pem")
                Path(cert).write_text(fleet.cert_pem)
            argv = ["--dsn", dsn, "--ports", json.dumps(fleet.ports), "--cert", cert,
                    "--sender", str(seeded["sender_id"]), "--concurrency", str(args.concurrency),
                    "--keepalive", str(0.01 if args.cold else 75.0)]
            for r in range(args.repeat):
                for i, tree in enumerate(trees):
                    say(f"  W4 instructions: {tree} (run {r + 1}) ...")
                    res = await measure(tree, f"t{i}r{r}", fleet, argv, args, out_dir)
                    say(f"    {res['ir_per_post']:,.0f} Ir/POST ({res['posts']} POSTs, "
                        f"{res['wall_s']} s)")
                    results.append(res)
        await pg.drop_database(dsn)
    return results


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--dsn", help=argparse.SUPPRESS)
    p.add_argument("--ports", help=argparse.SUPPRESS)
    p.add_argument("--cert", default="", help=argparse.SUPPRESS)
    p.add_argument("--sender", type=int, help=argparse.SUPPRESS)
    p.add_argument("--tree", action="append", type=Path,
                   help="source tree to run the app from (repeatable; default this one)")
    p.add_argument("--tls", action="store_true", help="the fleet speaks TLS")
    p.add_argument("--cold", action="store_true",
                   help="idle connections close after 10 ms: every POST opens a new one")
    p.add_argument("--keepalive", type=float, default=75.0, help=argparse.SUPPRESS)
    p.add_argument("--followers", type=int, default=1000)
    p.add_argument("--servers", type=int, default=300)
    p.add_argument("--posts", type=int, default=2, help="counted posts (each to every server)")
    p.add_argument("--concurrency", type=int, default=128)
    p.add_argument("--repeat", type=int, default=1, help="runs per tree (alternating)")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--json", type=Path, help="write the results here too")
    args = p.parse_args(argv)
    if args.child:
        from server.cli import run_loop

        run_loop(child(args), tune_memory=False)
        return
    results = asyncio.run(parent(args))
    for res in results:
        print(f"\n== {res['tree']} ({res['label']}): {res['ir_per_post']:,.0f} Ir per POST "
              f"({res['posts']} POSTs, {res['accepted']} accepted)")
        print("-- inclusive --")
        print("\n".join(res["top_inclusive"]))
        print("-- self --")
        print("\n".join(res["top_self"]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
