"""The one in-process cache of entity parts: a dict with a size bound.

Two ways to key an entry. Keyed by every value it is built from, a changed row is a new key
and the old entry simply ages out. Keyed by the row's id, with the values it was built from
kept in the entry and compared on every hit, a changed row replaces its entry: one entry per
row whatever its history (counters change all the time; a dead version per change would fill
the cache with entries nobody asks for again).

The bound is a number of entries and, for caches that say how much an entry weighs, a number
of bytes. When either is passed, the oldest entries (in insertion order; a replaced entry
counts as new) are dropped until both are back under three quarters of their bound: cheaper
than keeping a strict LRU order on every hit, and an entry still in use is rebuilt once.

A weight is what an entry keeps alive, measured (tracemalloc) rather than what len() says:
the entry's own objects, and the rows it keeps for comparison even where another cache
holds the same row (each bound is then an upper bound of its cache alone). Bytes made by
orjson are kept through `exact`.

Every cache is registered by name so a benchmark can count its hits (`instrument_all`):
off by default, because counting lookups costs a Python call on the hit path.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    __slots__ = ("_data", "maxsize", "max_bytes", "weigh", "bytes", "get", "name", "lookups",
                 "misses")

    def __init__(self, maxsize: int, name: str = "", *, max_bytes: int = 0,
                 weigh: Callable[[V], int] | None = None) -> None:
        self._data: dict[K, V] = {}
        self.maxsize = maxsize
        self.max_bytes = max_bytes if weigh is not None else 0   # 0: no bound in bytes
        self.weigh = weigh
        self.bytes = 0            # what the entries weigh, when `weigh` is given
        self.name = name
        self.lookups = 0
        self.misses = 0   # every caller puts what it did not find (or found out of date)
        # The hit path is one C call: the dict's own get.
        self.get: Callable[[K], V | None] = self._data.get
        REGISTRY.append(self)

    def put(self, key: K, value: V) -> V:
        data = self._data
        weigh = self.weigh
        self.misses += 1
        old = data.pop(key, None)   # a replaced entry moves to the young end
        if weigh is not None:
            if old is not None:
                self.bytes -= weigh(old)
            self.bytes += weigh(value)
        data[key] = value
        if len(data) > self.maxsize or (self.max_bytes and self.bytes > self.max_bytes):
            self._shrink()
        return value

    def swap(self, key: K, value: V) -> V:
        """Put a value in place of an entry's, of the same weight (an equal version of what
        the entry was built from): not a miss, and the entry keeps its age."""
        self._data[key] = value
        return value

    def _shrink(self) -> None:
        data, weigh = self._data, self.weigh
        keep_entries = self.maxsize - max(1, self.maxsize // 4)
        keep_bytes = self.max_bytes - self.max_bytes // 4
        for old in list(data):
            if len(data) <= keep_entries and (not self.max_bytes or self.bytes <= keep_bytes):
                break
            value = data.pop(old)
            if weigh is not None:
                self.bytes -= weigh(value)

    def clear(self) -> None:
        self._data.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._data)

    def values(self) -> list[V]:
        return list(self._data.values())

    def instrument(self) -> None:
        """Count lookups from now on (benchmarks only)."""
        find = self._data.get

        def counting_get(key: K) -> V | None:
            self.lookups += 1
            return find(key)

        self.get = counting_get

    def stats(self) -> dict[str, Any]:
        hits = self.lookups - self.misses
        return {"name": self.name, "lookups": self.lookups, "hits": hits,
                "hit_rate": hits / self.lookups if self.lookups else None,
                "size": len(self._data), "maxsize": self.maxsize,
                "bytes": self.bytes, "max_bytes": self.max_bytes}


REGISTRY: list[BoundedCache[Any, Any]] = []

# A bytes object's header (sys.getsizeof(b"")), beyond its length.
BYTES_HEADER = 33


def exact(data: bytes) -> bytes:
    """`data` in an allocation of its own length, for bytes that are kept. orjson sizes the
    bytes it returns for the worst case of escaping its input and hands them out unshrunk:
    at least 4 KiB, about ten times the length for text (orjson 3.13, seen by tracemalloc;
    len and sys.getsizeof report the length). An account entity's 0.8 KiB of JSON held
    8 KiB. The copy costs about a microsecond, on a miss only."""
    return memoryview(data).tobytes()


def instrument_all() -> None:
    for cache in REGISTRY:
        cache.instrument()


def reset_counts() -> None:
    for cache in REGISTRY:
        cache.lookups = cache.misses = 0
