"""server.api.entities.cache.BoundedCache: bounded in entries and, when it can weigh its
entries, in bytes; a replaced entry counts as new; the oldest go first."""

from __future__ import annotations

from server.api.entities.cache import REGISTRY, BoundedCache


def test_entries_bound_drops_the_oldest_quarter() -> None:
    cache: BoundedCache[int, str] = BoundedCache(8, "test_entries")
    for i in range(9):
        cache.put(i, str(i))
    assert len(cache) == 6
    assert cache.get(0) is None and cache.get(2) is None and cache.get(3) == "3"
    assert cache.get(8) == "8"
    REGISTRY.remove(cache)


def test_bytes_bound_with_weighed_entries() -> None:
    cache: BoundedCache[int, bytes] = BoundedCache(1000, "test_bytes", max_bytes=100, weigh=len)
    for i in range(10):
        cache.put(i, b"x" * 20)
    assert cache.bytes <= 100 and cache.bytes == 20 * len(cache)
    assert cache.get(9) == b"x" * 20 and cache.get(0) is None
    cache.clear()
    assert cache.bytes == 0 and len(cache) == 0
    REGISTRY.remove(cache)


def test_a_replaced_entry_is_weighed_again_and_counts_as_new() -> None:
    cache: BoundedCache[str, bytes] = BoundedCache(100, "test_replace", max_bytes=6, weigh=len)
    cache.put("a", b"1234")
    cache.put("b", b"12")
    cache.put("a", b"1")     # a new version of "a": replaces it, now the youngest
    assert cache.bytes == 3 and len(cache) == 2
    cache.put("c", b"12")
    cache.put("d", b"12")    # 7 bytes: the oldest go until 5 are left, "b" before "a"
    assert cache.get("b") is None and cache.get("a") == b"1" and cache.bytes == 5
    assert cache.misses == 5
    cache.swap("a", b"2")    # same weight, not a miss
    assert cache.get("a") == b"2" and cache.misses == 5
    REGISTRY.remove(cache)


def test_stats_count_hits_once_instrumented() -> None:
    cache: BoundedCache[int, int] = BoundedCache(4, "test_stats")
    cache.instrument()
    assert cache.get(1) is None
    cache.put(1, 1)
    assert cache.get(1) == 1
    stats = cache.stats()
    assert stats["lookups"] == 2 and stats["hits"] == 1 and stats["hit_rate"] == 0.5
    REGISTRY.remove(cache)


def test_exact_keeps_json_in_an_allocation_of_its_length() -> None:
    import tracemalloc

    from server.api.entities.cache import exact
    from server.jsonio import dumpb

    value = {"note": "x" * 800}
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = exact(dumpb(value))
        grew = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept == dumpb(value)
    assert grew <= len(kept) + 64   # orjson's own bytes for this value take 8 KiB
