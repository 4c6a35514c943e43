"""Applying a member's filters (v2) to a status: pure, so rendering can call it per status.

A keyword matches case-insensitively. With `whole_word`, a word boundary is required at each
end of the keyword that is itself a word character (as Mastodon builds its pattern), so
"cat" does not match "concatenate" but "#cat" and "c++" still match where they stand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

CONTEXTS = ("home", "notifications", "public", "thread", "account")
ACTIONS = ("warn", "hide", "blur")


@dataclass(frozen=True)
class Keyword:
    id: int
    keyword: str
    whole_word: bool = True


@dataclass(frozen=True)
class Filter:
    id: int
    title: str
    context: tuple[str, ...]
    filter_action: str = "warn"
    expires_at: datetime | None = None
    keywords: tuple[Keyword, ...] = ()
    status_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class FilterResult:
    filter: Filter
    keyword_matches: list[str] | None
    status_matches: list[str] | None


@lru_cache(maxsize=4096)
def _pattern(keyword: str, whole_word: bool) -> re.Pattern[str]:
    body = re.escape(keyword)
    if whole_word:
        if re.match(r"\w", keyword):
            body = r"\b" + body
        if re.search(r"\w$", keyword):
            body = body + r"\b"
    return re.compile(body, re.IGNORECASE)


def match(status_text: str, filters: Iterable[Filter], context: str, *,
          status_id: int | None = None, now: datetime | None = None) -> list[FilterResult]:
    """The filters that apply to this status in this context (expired ones never do).
    `status_text` is what the reader sees: spoiler, plain text, media descriptions, poll
    options, joined by newlines."""
    results = []
    for f in filters:
        if context not in f.context or (now is not None and f.expires_at is not None
                                        and f.expires_at <= now):
            continue
        keywords = [k.keyword for k in f.keywords
                    if _pattern(k.keyword, k.whole_word).search(status_text)]
        statuses = [str(status_id)] if status_id is not None and status_id in f.status_ids \
            else []
        if keywords or statuses:
            results.append(FilterResult(f, keywords or None, statuses or None))
    return results


def searchable_text(*parts: str | None, extra: Sequence[str] = ()) -> str:
    """Join what a status shows into the text `match` looks in."""
    return "\n".join([p for p in parts if p] + list(extra))
