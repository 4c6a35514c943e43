"""Where a process's start-up time goes: with COMMONHOLD_STARTUP_TIMES set (to anything
but empty or "0"), each phase of `commonhold serve | web | worker` prints one line to
stderr as it ends,

    startup    0.412 s  (+0.120)  app imported

the seconds counted from the exec of the process (the kernel's start time of the process,
known to 10 ms; the interpreter's own start is part of the first phase) and, in brackets,
the length of this phase. Off by default, and then `mark` costs one test. Standard library
only: this module is imported before anything else on the start-up path."""

from __future__ import annotations

import os
import sys
import time

ENV_VAR = "COMMONHOLD_STARTUP_TIMES"
ENABLED = os.environ.get(ENV_VAR, "") not in ("", "0")


def _exec_offset() -> float:
    """Seconds between the exec of this process and now, on the perf_counter scale's
    origin: perf_counter() - _exec_offset() is the time since exec."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            # The command name (field 2) may hold spaces; the fields after its ")" do not.
            fields = fh.read().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")   # field 22: start, since boot
        since_boot = time.clock_gettime(time.CLOCK_BOOTTIME)
        return time.perf_counter() - (since_boot - started)
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter()   # not Linux: count from here instead


_origin = _exec_offset() if ENABLED else 0.0
_last = _origin


def mark(phase: str) -> None:
    """Note that `phase` has just ended."""
    global _last
    if not ENABLED:
        return
    now = time.perf_counter()
    print(f"startup {now - _origin:8.3f} s  (+{now - _last:.3f})  {phase}", file=sys.stderr,
          flush=True)
    _last = now
