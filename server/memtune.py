"""Keeping a long-running process's RSS close to what it actually uses (glibc only).

Under load the process allocates in bursts (a backlog of requests, each with its page of
rendered statuses) and frees it all again; glibc keeps the freed memory inside its arenas
unless it lies at the very top of the heap, so RSS ratchets up to the highest burst while the
memory in use stays flat. Two settings, made once at start-up before any thread exists:

- at most two malloc arenas: every thread that calls malloc (libuv's getaddrinfo pool, the
  to_thread workers for images and password hashes) would otherwise get an arena of its own,
  up to eight per core, each keeping its own free memory;
- malloc_trim(0), which hands the free pages inside the arenas back to the kernel, made
  when the process grew: RSS (one read of /proc/self/statm) is looked at every 5 s, and a
  trim is made once it is 4 MiB above what it was after the last one, or 5 minutes after
  it. A burst of requests takes memory from the kernel and frees it when it ends; between
  bursts the freed chunks are reused and a trim gives back next to nothing, yet still walks
  every free chunk of every arena: 0.1-2 ms in a steady soak, 10-25 ms in a fragmented heap
  of 100 MiB (W7 probes). It runs in a worker thread (ctypes lets go of the GIL), so the
  event loop keeps serving meanwhile; only a malloc of more than 512 bytes on the loop's
  thread can wait for an arena being trimmed (smaller Python objects come from Python's own
  allocator, which does not use malloc's arenas). Asking malloc how much it holds free
  (mallinfo2) walks the same chunks, so RSS is what decides.

Operators can still set MALLOC_ARENA_MAX themselves; it is then left alone. Elsewhere than
glibc (musl, macOS) nothing is done.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import os
import platform
import time
from typing import Any

log = logging.getLogger(__name__)

M_ARENA_MAX = -8      # mallopt parameter number, from glibc's malloc.h
ARENAS = 2
CHECK_EVERY_SECONDS = 5.0
TRIM_AFTER_GROWTH_MIB = 4.0
TRIM_AT_LEAST_EVERY_SECONDS = 300.0

# What the trims took so far (in their thread), for the memory probe.
STATS: dict[str, float] = {"trims": 0, "trims_released": 0, "trim_max_ms": 0.0,
                           "trim_total_ms": 0.0}


def _libc() -> Any | None:
    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    if not hasattr(libc, "mallopt") or not hasattr(libc, "malloc_trim"):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.malloc_trim.argtypes = [ctypes.c_size_t]
    return libc


def bound_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas; True when set. Call before threads start: an arena
    already given to a thread stays."""
    libc = _libc()
    if libc is None or "MALLOC_ARENA_MAX" in os.environ:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, arenas))


def trim() -> bool:
    """Give free memory inside the malloc arenas back to the kernel; True when some was."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss_mib() -> float:
    """This process's resident size; 0.0 where /proc is not there."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE / 2**20
    except (OSError, IndexError, ValueError):
        return 0.0


async def trim_periodically(every: float = CHECK_EVERY_SECONDS, *,
                            growth_mib: float = TRIM_AFTER_GROWTH_MIB,
                            at_least_every: float = TRIM_AT_LEAST_EVERY_SECONDS) -> None:
    """Runs until cancelled: every `every` seconds, a trim when RSS is `growth_mib` above
    where the last trim left it (the first check always trims) or `at_least_every` seconds
    after the last trim. Does nothing off glibc."""
    libc = _libc()
    if libc is None:
        return
    floor: float | None = None   # RSS after the last trim, or lower since
    last = time.monotonic()
    while True:
        await asyncio.sleep(every)
        rss = _rss_mib()
        if floor is None or rss - floor >= growth_mib or time.monotonic() - last >= at_least_every:
            await asyncio.to_thread(_timed_trim, libc)
            floor, last = _rss_mib(), time.monotonic()
        else:
            floor = min(floor, rss)


def _timed_trim(libc: Any) -> bool:
    t0 = time.perf_counter()
    released = bool(libc.malloc_trim(0))
    ms = (time.perf_counter() - t0) * 1000
    STATS["trims"] += 1
    STATS["trims_released"] += released
    STATS["trim_total_ms"] += ms
    STATS["trim_max_ms"] = max(STATS["trim_max_ms"], ms)
    return released
