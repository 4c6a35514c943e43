"""The filter matcher, case by case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.filters.matcher import Filter, Keyword, match

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def one(keyword: str, whole_word: bool, context: tuple[str, ...] = ("home",), **kw: object) -> Filter:
    return Filter(1, "f", context, keywords=(Keyword(1, keyword, whole_word),), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "keyword", "whole_word", "matches"), [
    ("I love my Cat", "cat", True, True),
    ("concatenate the files", "cat", True, False),
    ("concatenate the files", "cat", False, True),
    ("cats everywhere", "cat", True, False),
    ("#cat pictures", "#cat", True, True),
    ("we use c++ daily", "c++", True, True),
    ("a CAT-astrophe", "cat", True, True),
    ("café society", "café", True, True),
    ("cafés", "café", True, False),
    ("New York is big", "new york", True, True),
    ("newyorker", "new york", True, False),
    ("nothing here", "cat", False, False),
])
def test_keywords(text: str, keyword: str, whole_word: bool, matches: bool) -> None:
    found = match(text, [one(keyword, whole_word)], "home")
    assert bool(found) is matches
    if matches:
        assert found[0].keyword_matches == [keyword] and found[0].status_matches is None


def test_context_and_expiry() -> None:
    assert match("cat", [one("cat", True, ("public",))], "home") == []
    expired = one("cat", True, expires_at=NOW - timedelta(seconds=1))
    assert match("cat", [expired], "home", now=NOW) == []
    live = one("cat", True, expires_at=NOW + timedelta(days=1))
    assert len(match("cat", [live], "home", now=NOW)) == 1


def test_status_filters() -> None:
    f = Filter(2, "that post", ("thread",), "hide", status_ids=frozenset({42}))
    found = match("anything", [f], "thread", status_id=42)
    assert found[0].status_matches == ["42"] and found[0].keyword_matches is None
    assert match("anything", [f], "thread", status_id=43) == []
