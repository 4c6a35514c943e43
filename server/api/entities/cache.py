"""The one in-process cache of entity parts: a dict with a size bound.

Entries are keyed by every value they are built from, so a changed row is a new key and an
entry is never stale; entries no row asks for any more simply age out. When full, the
oldest quarter (in insertion order) is dropped at once: cheaper than keeping a strict LRU
order on every hit, and an entry still in use is rebuilt once.

Every cache is registered by name so a benchmark can count its hits (`instrument_all`):
off by default, because counting lookups costs a Python call on the hit path.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    __slots__ = ("_data", "maxsize", "get", "name", "lookups", "misses")

    def __init__(self, maxsize: int, name: str = "") -> None:
        self._data: dict[K, V] = {}
        self.maxsize = maxsize
        self.name = name
        self.lookups = 0
        self.misses = 0   # every caller puts what it did not find
        # The hit path is one C call: the dict's own get.
        self.get: Callable[[K], V | None] = self._data.get
        REGISTRY.append(self)

    def put(self, key: K, value: V) -> V:
        data = self._data
        self.misses += 1
        if len(data) >= self.maxsize:
            for old in list(data)[: max(1, self.maxsize // 4)]:
                del data[old]
        data[key] = value
        return value

    def clear(self) -> None:
        self._data.clear()

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
                "size": len(self._data), "maxsize": self.maxsize}


REGISTRY: list[BoundedCache[Any, Any]] = []


def instrument_all() -> None:
    for cache in REGISTRY:
        cache.instrument()


def reset_counts() -> None:
    for cache in REGISTRY:
        cache.lookups = cache.misses = 0
