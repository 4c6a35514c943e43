"""api_app (bench.scenarios.api_app of the tree on PYTHONPATH) with an optional bytecode
counter for bench/micro/w6_instructions.py: with `--opcodes FILE`, SIGUSR1 starts counting the
Python bytecodes each function executes (own, and inclusive of what it calls; a coroutine's
every resumption counts as an entry) and SIGUSR2 stops and writes the counts to FILE as JSON.
Run as a script, so the same file drives an older tree's app.

`--clock-scale S` slows the clocks of the app's periodic work by 1/S: the token copies'
expiry and refresh (server.api.auth), the rate-limit flush (server.api.ratecounter) and the
malloc trims (server.memtune). Under callgrind the app serves about a hundredth of its usual
rate, so without this every request would find its token expired and look it up, and each
second's flush and trim would be charged to a few requests instead of a thousand.
"""

from __future__ import annotations

import json
import signal
import sys
from collections import defaultdict
from types import CodeType, FrameType
from typing import Any


class OpcodeCounter:
    def __init__(self) -> None:
        self.total = 0
        self.own: dict[CodeType, int] = defaultdict(int)
        self.inclusive: dict[CodeType, int] = defaultdict(int)
        self.calls: dict[CodeType, int] = defaultdict(int)
        self.stack: list[tuple[CodeType, int]] = []
        self.depth: dict[CodeType, int] = defaultdict(int)   # recursion: count the outer one

    def trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "opcode":
            self.total += 1
            self.own[frame.f_code] += 1
        elif event == "call":
            frame.f_trace_opcodes = True
            frame.f_trace_lines = False
            code = frame.f_code
            self.calls[code] += 1
            self.depth[code] += 1
            self.stack.append((code, self.total))
        elif event == "return" and self.stack:
            code, start = self.stack.pop()
            self.depth[code] -= 1
            if not self.depth[code]:
                self.inclusive[code] += self.total - start
        return self.trace

    def dump(self, path: str) -> None:
        def name(c: CodeType) -> str:
            where = c.co_filename.split("site-packages/")[-1]
            for marker in ("/server/", "/bench/"):
                if marker in where:
                    where = marker[1:] + where.split(marker, 1)[1]
            return f"{where}:{c.co_firstlineno} {c.co_qualname}"

        codes = set(self.own) | set(self.inclusive) | set(self.calls)
        rows = [{"name": name(c), "own": self.own.get(c, 0), "inclusive": self.inclusive.get(c, 0),
                 "calls": self.calls.get(c, 0)} for c in codes]
        with open(path, "w") as f:
            json.dump({"total": self.total, "calls": sum(self.calls.values()),
                       "functions": rows}, f)


class _ScaledTime:
    """The `time` module as the patched modules see it, with a slowed monotonic clock."""

    def __init__(self, scale: float) -> None:
        import time

        self._time, self._scale, self._start = time, scale, time.monotonic()

    def monotonic(self) -> float:
        return self._start + (self._time.monotonic() - self._start) * self._scale

    def __getattr__(self, name: str) -> Any:
        return getattr(self._time, name)


def slow_periodic_work(scale: float) -> None:
    import functools
    import inspect

    from server import memtune
    from server.api import auth, ratecounter

    auth.time = ratecounter.time = memtune.time = _ScaledTime(scale)  # type: ignore[assignment]
    trim = memtune.trim_periodically
    every = inspect.signature(trim).parameters["every"].default
    memtune.trim_periodically = functools.partial(trim, every / scale)  # type: ignore[assignment]


def _option(argv: list[str], name: str) -> str | None:
    if name not in argv:
        return None
    i = argv.index(name)
    value = argv[i + 1]
    del argv[i:i + 2]
    return value


def main() -> None:
    argv = sys.argv[1:]
    opcodes = _option(argv, "--opcodes")
    scale = _option(argv, "--clock-scale")
    if scale is not None and float(scale) != 1.0:
        slow_periodic_work(float(scale))
    if opcodes:
        counter = OpcodeCounter()

        def start(*_: Any) -> None:
            sys.settrace(counter.trace)

        def stop(*_: Any) -> None:
            sys.settrace(None)
            counter.dump(opcodes)

        signal.signal(signal.SIGUSR1, start)
        signal.signal(signal.SIGUSR2, stop)
    from bench.scenarios import api_app

    api_app.main(argv)


if __name__ == "__main__":
    main()
