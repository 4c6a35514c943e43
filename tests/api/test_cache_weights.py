"""Each entity cache weighs an entry as what it keeps alive (tracemalloc over many entries,
each made of fresh objects as a page query decodes them): the byte bounds hold memory, not
a part of it. Counted alone, so a row another cache also holds is in both."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.api.entities import accounts, status_shared
from server.api.entities.cache import BoundedCache
from server.api.queries import AccountView
from server.api.statusviews import queries as views_q
from server.config import Config
from server.statuses.queries import Status

BASE = datetime(2026, 1, 1, tzinfo=UTC)


def fresh(text: str) -> str:
    return "".join(list(text))   # a new str, as asyncpg decodes each value


def status_row(i: int, length: int) -> tuple[Any, ...]:
    sid = 110_000_000_000_000_000 + i * 7919
    content = fresh(("<p>" + f"Status {i} of a timeline. " * (length // 20 + 1))[:length])
    uri = fresh(f"https://example.social/users/u{i % 50}/statuses/{sid}")
    return (sid, 109_000_000_000_000_000 + i % 50, uri, fresh(uri.replace("/users/", "/@")),
            True, None, None, None, None, sid + 1, content, fresh(content[3:]), fresh(""),
            False, fresh("public"), fresh("en"), None, None, None, BASE + timedelta(seconds=i),
            BASE + timedelta(seconds=i, microseconds=1), 0, 1, 2, 0, 1 << 17)


def account_row(i: int) -> tuple[Any, ...]:
    uri = fresh(f"https://remote{i}.example/users/a{i}")
    return (109_000_000_000_000_000 + i, fresh(f"a{i}"), fresh(f"remote{i}.example"),
            fresh(f"Actor number {i}"), fresh(f"<p>About actor {i}, who posts now and then</p>"),
            uri, fresh(uri), fresh("Person"), False, False, True, True, fresh(uri + "/a.png"),
            None, None, None, [], None, None, BASE + timedelta(seconds=i), 10 + i, 5, 7,
            BASE + timedelta(days=1), None, None)


def held(cache: BoundedCache[Any, Any], fill: Callable[[int], None], n: int = 400) -> float:
    """Traced bytes per entry after `fill` ran n times, against the cache's own weight."""
    saved = cache.maxsize, cache.max_bytes
    cache.clear()
    cache.maxsize, cache.max_bytes = 10**9, 0
    try:
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for i in range(n):
                fill(i)
            gc.collect()
            real = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert cache.weigh is not None
        return sum(cache.weigh(v) for v in cache.values()) / real
    finally:
        cache.clear()
        cache.maxsize, cache.max_bytes = saved


@pytest.mark.parametrize("length", [60, 500, 2000])
def test_status_parts_and_rows_weigh_what_they_hold(config: Config, length: int) -> None:
    def part(i: int) -> None:
        status_shared.shared_part(Status(*status_row(i, length)), None, config)

    def row(i: int) -> None:
        cut = status_row(i, length)
        views_q._STATUSES.put(cut[0], (cut, Status(*cut)))

    assert 0.85 <= held(status_shared._PARTS, part) <= 1.2
    assert 0.85 <= held(views_q._STATUSES, row) <= 1.2


def test_account_entities_and_author_rows_weigh_what_they_hold(config: Config) -> None:
    def entity(i: int) -> None:
        accounts.account_json(AccountView(*account_row(i)), config)

    def author(i: int) -> None:
        raw = account_row(i)
        views_q._AUTHORS.put(raw[0], (raw, AccountView(*raw)))

    assert 0.85 <= held(accounts._SEEN, entity) <= 1.2
    assert 0.85 <= held(views_q._AUTHORS, author) <= 1.2
