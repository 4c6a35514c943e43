"""Keeping a long-running process's RSS close to what it actually uses (glibc only).

Under load the process allocates in bursts (a backlog of requests, each with its page of
rendered statuses) and frees it all again; glibc keeps the freed memory inside its arenas
unless it lies at the very top of the heap, so RSS ratchets up to the highest burst while the
memory in use stays flat. Two settings, made once at start-up before any thread exists:

- at most two malloc arenas: every thread that calls malloc (libuv's getaddrinfo pool, the
  to_thread workers for images and password hashes) would otherwise get an arena of its own,
  up to eight per core, each keeping its own free memory;
- a periodic malloc_trim(0), which hands the free pages inside the arenas back to the kernel.
  It walks every free chunk of every arena: 0.1-5 ms in a steady soak, but 25-75 ms after a
  backlog left a fragmented heap of 100 MiB or more (W7 probes). It runs in a worker thread
  (ctypes lets go of the GIL), so the event loop keeps serving meanwhile; only a malloc of
  more than 512 bytes on the loop's thread can wait for an arena being trimmed (smaller
  Python objects come from Python's own allocator, which does not use malloc's arenas).
  Asking first whether there is anything to give back (mallinfo2) walks the same chunks and
  costs as much as trimming, so the trim is simply made.

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
TRIM_EVERY_SECONDS = 30.0

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


async def trim_periodically(every: float = TRIM_EVERY_SECONDS) -> None:
    """Runs until cancelled; does nothing off glibc."""
    libc = _libc()
    if libc is None:
        return
    while True:
        await asyncio.sleep(every)
        await asyncio.to_thread(_timed_trim, libc)


def _timed_trim(libc: Any) -> bool:
    t0 = time.perf_counter()
    released = bool(libc.malloc_trim(0))
    ms = (time.perf_counter() - t0) * 1000
    STATS["trims"] += 1
    STATS["trims_released"] += released
    STATS["trim_total_ms"] += ms
    STATS["trim_max_ms"] = max(STATS["trim_max_ms"], ms)
    return released
