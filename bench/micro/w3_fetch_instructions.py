"""Micro: machine instructions per actor fetch on the client side (W3's key fetches), counted
by callgrind, so the parts of a new actor's cost compare on a busy machine.

Two fleets run in their own processes (not counted): one over TLS, one over plain HTTP. This
process, under `valgrind --tool=callgrind` with instrumentation off until the warm-up is
done, fetches `--fetches` actor documents per phase and dumps the counts of each phase:

- `app_tls_new`: keyring's fetch (fetch_object_unsigned_first) from hosts never contacted:
  a TCP connection and a full TLS handshake each;
- `app_tls_kept`: the same hosts again, kept-alive connections;
- `app_tls_kept_parse`: the same, with the document checked and turned into a row
  (remote_actors.parse_actor);
- `raw_tls_new`, `raw_tls_kept`, `raw_plain_new`, `raw_plain_kept`: a bare GET through the
  same client session, over TLS and plain HTTP, new and kept-alive connections;
- `raw_tls_resumed`: the hosts of `raw_tls_new` again, through a second client session on
  a session-resuming SSL context (w3_tls_resume.py, an experiment the app does not use):
  new TCP connections that resume the TLS sessions saved by a first pass over new hosts
  (`raw_tls_new_saving`, the same as raw_tls_new plus reading each connection's ticket).

Measured (OpenSSL 3.0.19, Python 3.11, uvloop): raw_tls_new 5.7 M, raw_tls_new_saving
8.3 M, raw_tls_resumed 6.4 M Ir per fetch. The resumed handshake itself is cheaper, but
Python's ssl module copies a session through DER both when it is read (SSLObject.session,
~1.6 M) and when it is given to a new connection (~3.1 M), and decoding the DER decodes the
server's certificate again, the slow part of OpenSSL 3.0 that resumption was to skip.
So resumption saves nothing here, and the app's client does not use it.

The handshake's cost is raw_tls_new − raw_plain_new; the app's own fetch code is
app_tls_kept − raw_tls_kept. `--annotate PHASE` prints callgrind_annotate's inclusive list
for that phase (OpenSSL's functions by name).

    python -m bench.micro.w3_fetch_instructions [--fetches 20] [--annotate raw_tls_new]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

PHASES = ("app_tls_new", "app_tls_kept", "app_tls_kept_parse", "raw_tls_new", "raw_tls_kept",
          "raw_tls_new_saving", "raw_tls_resumed", "raw_plain_new", "raw_plain_kept")


def _ctl(*args: str) -> None:
    if os.environ.get("W3_UNDER_CALLGRIND"):
        subprocess.run(["callgrind_control", *args, str(os.getpid())], check=True,
                       stdout=subprocess.DEVNULL)


class _NoDatabase:
    """Unsigned fetches touch no database; the fetch code keys a per-database cache on it."""


async def _fetch_phases(n: int) -> None:
    from bench.db import bench_config
    from bench.fakes.fleet import FleetProcess, FleetResolver, client_ssl_context
    from bench.scenarios.inbox_common import key_pool
    from server.clock import SystemClock
    from server.federation.activitypub import http as ap_http
    from server.federation.activitypub.fetch import fetch_object_unsigned_first
    from server.federation.activitypub.remote_actors import parse_actor
    from server.jobs.context import JobContext

    config = bench_config(allow_private_addresses=True)
    pem = key_pool()[0][1]
    async with FleetProcess(tls=True, actor_public_pem=pem) as tls, \
            FleetProcess(tls=False, actor_public_pem=pem) as plain:
        assert tls.cert_pem is not None
        from bench.micro.w3_tls_resume import client_context
        s_tls = ap_http.client_session(config, resolver=FleetResolver(tls.ports),
                                       ssl_context=client_ssl_context(tls.cert_pem))
        resuming = client_context(cadata=tls.cert_pem)
        s_save = ap_http.client_session(config, resolver=FleetResolver(tls.ports),
                                        ssl_context=resuming)
        s_tls2 = ap_http.client_session(config, resolver=FleetResolver(tls.ports),
                                        ssl_context=resuming)
        s_plain = ap_http.client_session(config, resolver=FleetResolver(plain.ports))
        ctx = JobContext(db=_NoDatabase(), clock=SystemClock(), config=config,  # type: ignore[arg-type]
                         http=s_tls)

        async def app(urls: list[str], label: str, parse: bool = False) -> None:
            _ctl("-z")
            for url in urls:
                fetched = await fetch_object_unsigned_first(ctx, url)
                if parse:
                    parse_actor(fetched.data, fetched_from=fetched.url, config=config)
            _ctl(f"--dump={label}")

        async def raw(session: object, urls: list[str], label: str | None) -> None:
            if label:
                _ctl("-z")
            for url in urls:
                async with session.get(url, headers={"Accept": "application/activity+json"}) as r:  # type: ignore[attr-defined]
                    await r.read()
            if label:
                _ctl(f"--dump={label}")

        try:
            for i in range(5):  # warm-up: imports, first connections, caches
                await fetch_object_unsigned_first(ctx, f"https://w{i}.bench.invalid/users/w{i}")
                await raw(s_plain, [f"http://w{i}.bench.invalid/users/w{i}"], None)
            _ctl("-i", "on")
            await app([f"https://a{i:04d}.bench.invalid/users/n{i}" for i in range(n)], "app_tls_new")
            await app([f"https://a{i:04d}.bench.invalid/users/m{i}" for i in range(n)], "app_tls_kept")
            await app([f"https://a{i:04d}.bench.invalid/users/q{i}" for i in range(n)],
                      "app_tls_kept_parse", parse=True)
            await raw(s_tls, [f"https://t{i:04d}.bench.invalid/users/n{i}" for i in range(n)], "raw_tls_new")
            await raw(s_tls, [f"https://t{i:04d}.bench.invalid/users/m{i}" for i in range(n)], "raw_tls_kept")
            await raw(s_save, [f"https://s{i:04d}.bench.invalid/users/n{i}" for i in range(n)],
                      "raw_tls_new_saving")
            await raw(s_tls2, [f"https://s{i:04d}.bench.invalid/users/r{i}" for i in range(n)],
                      "raw_tls_resumed")
            assert resuming.sessions.resumed == n, "the sessions were not resumed"
            await raw(s_plain, [f"http://p{i:04d}.bench.invalid/users/n{i}" for i in range(n)], "raw_plain_new")
            await raw(s_plain, [f"http://p{i:04d}.bench.invalid/users/m{i}" for i in range(n)], "raw_plain_kept")
            _ctl("-i", "off")
        finally:
            await s_tls.close()
            await s_save.close()
            await s_tls2.close()
            await s_plain.close()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fetches", type=int, default=20)
    p.add_argument("--annotate", choices=PHASES)
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.inner:
        from server.cli import run_loop  # uvloop, as the app runs
        run_loop(_fetch_phases(args.fetches))
        return
    with tempfile.TemporaryDirectory(prefix="commonhold-bench-w3ir-") as d:
        out = Path(d) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                        f"--callgrind-out-file={out}", "--dump-instr=no",
                        "--compress-strings=no", sys.executable, "-m",
                        "bench.micro.w3_fetch_instructions", "--inner",
                        "--fetches", str(args.fetches)],
                       check=True, env={**os.environ, "W3_UNDER_CALLGRIND": "1"},
                       stderr=subprocess.DEVNULL)
        for dump in sorted(Path(d).glob("callgrind.out.*")):
            text = dump.read_text(errors="replace")
            label = re.search(r"^desc: Trigger: dump (\S+)", text, re.M)
            total = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
            if not label or not total or label.group(1) not in PHASES:
                continue
            print(f"{label.group(1):20s} {int(total.group(1)) / args.fetches / 1e6:6.2f} M Ir "
                  "per fetch")
            if args.annotate == label.group(1):
                print(subprocess.run(["callgrind_annotate", "--inclusive=yes", str(dump)],
                                     capture_output=True, text=True).stdout[:20000])


if __name__ == "__main__":
    main()
