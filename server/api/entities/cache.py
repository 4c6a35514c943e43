"""The one in-process cache of entity parts: a dict with a size bound.

Entries are keyed by every value they are built from, so a changed row is a new key and an
entry is never stale; entries no row asks for any more simply age out. When full, the
oldest quarter (in insertion order) is dropped at once: cheaper than keeping a strict LRU
order on every hit, and an entry still in use is rebuilt once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    __slots__ = ("_data", "maxsize", "get")

    def __init__(self, maxsize: int) -> None:
        self._data: dict[K, V] = {}
        self.maxsize = maxsize
        # The hit path is one C call: the dict's own get.
        self.get: Callable[[K], V | None] = self._data.get

    def put(self, key: K, value: V) -> V:
        data = self._data
        if len(data) >= self.maxsize:
            for old in list(data)[: max(1, self.maxsize // 4)]:
                del data[old]
        data[key] = value
        return value

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
