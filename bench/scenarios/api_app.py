"""The app under test for W5 (HTTP), W6, W7 and streaming: `inbox_app.serve` (create_app over
the bench database on 127.0.0.1) run the way `commonhold serve` runs it, on uvloop through
server.cli.run_loop. `--profile FILE` records a cProfile in CPU time (time.process_time), so
time spent waiting for PostgreSQL is not counted as the app's; it starts on SIGUSR1 (after
the warm-up, so imports and statement preparation stay out of it) and is written on exit.

`--cache-stats FILE` counts the lookups of every entity cache (server.api.entities.cache),
from SIGUSR2 on (sent after the warm-up), and writes hits, sizes and bytes per entry there as
JSON on exit.

With BENCH_REQ_TIMES naming a file, each request's time is split up (bench/reqtimes.py:
queue, pool wait, statements, own work, write) and written there on exit.

    python -m bench.scenarios.api_app --dsn postgresql://... [--workers 4] [--profile FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import signal
import sys
import time
from typing import Any

from bench.scenarios.inbox_app import app_arguments, serve


def deep_size(obj: Any, seen: set[int]) -> int:
    """Bytes held by obj and everything it references that was not counted yet."""
    if id(obj) in seen or obj is None or isinstance(obj, (bool, type)):
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        size += sum(deep_size(v, seen) for v in obj)
    elif hasattr(obj, "__slots__") or hasattr(obj, "__dict__"):
        names = [n for k in type(obj).__mro__ for n in getattr(k, "__slots__", ())]
        size += sum(deep_size(getattr(obj, n, None), seen) for n in names)
        if hasattr(obj, "__dict__"):
            size += deep_size(vars(obj), seen)
    return size


def _with_size(cache: Any) -> dict[str, Any]:
    """The cache's counts and the bytes of an entry (key and value, each object once)."""
    out = cache.stats()
    seen: set[int] = set()
    total = sum(deep_size(k, seen) + deep_size(v, seen) for k, v in list(cache._data.items()))
    out["bytes_per_entry"] = round(total / len(cache)) if len(cache) else None
    return out


def main(argv: list[str] | None = None) -> None:
    p = app_arguments(__doc__.splitlines()[0], max_seconds=1800.0)
    p.add_argument("--cache-stats", help="write the entity caches' hit counts here on exit")
    args = p.parse_args(argv)
    from bench import reqtimes

    timings = reqtimes.enabled()
    if timings:
        reqtimes.install()
    try:
        _main(args)
    finally:
        if timings:
            reqtimes.dump(timings)


def _main(args: argparse.Namespace) -> None:
    if args.cache_stats:
        import server.app  # noqa: F401  (the modules that make the caches)
        from server.api.entities import cache

        cache.instrument_all()
        signal.signal(signal.SIGUSR2, lambda *_: cache.reset_counts())
        try:
            _run(args)
        finally:
            with open(args.cache_stats, "w") as f:
                json.dump([_with_size(c) for c in cache.REGISTRY], f)
        return
    _run(args)


def _run(args: argparse.Namespace) -> None:
    from server.cli import run_loop

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
