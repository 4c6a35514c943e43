"""The app under test for W5 (HTTP), W6, W7 and streaming: `inbox_app.serve` (create_app over
the bench database on 127.0.0.1) run the way `commonhold serve` runs it, on uvloop through
server.cli.run_loop. `--profile FILE` records a cProfile in CPU time (time.process_time), so
time spent waiting for PostgreSQL is not counted as the app's; it starts on SIGUSR1 (after
the warm-up, so imports and statement preparation stay out of it) and is written on exit.

    python -m bench.scenarios.api_app --dsn postgresql://... [--workers 4] [--profile FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import signal
import time

from bench.scenarios.inbox_app import serve


def main(argv: list[str] | None = None) -> None:
    from server.cli import run_loop

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dsn", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--workers", type=int, default=0, help="job worker concurrency (0: none)")
    p.add_argument("--pool", type=int, default=20)
    p.add_argument("--fleet-ports", default="")
    p.add_argument("--cert-file")
    p.add_argument("--max-seconds", type=float, default=1800.0)
    p.add_argument("--profile", help="write cProfile stats (CPU time) here on exit")
    args = p.parse_args(argv)
    if not args.profile:
        run_loop(serve(args))
        return
    prof = cProfile.Profile(time.process_time)
    signal.signal(signal.SIGUSR1, lambda *_: prof.enable())
    try:
        run_loop(serve(args))
    finally:
        prof.disable()
        prof.dump_stats(args.profile)


if __name__ == "__main__":
    main()
