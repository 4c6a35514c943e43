"""A member's filters (v2): what the API edits and what rendering applies (matcher.py).

Every change tells the member's open streams (`filters_changed`), as Mastodon does, so
clients refetch their filters without polling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from server.db import Conn
from server.errors import NotFoundError, ValidationError
from server.filters import matcher, queries
from server.filters.queries import FilterRow
from server.ids import new_id
from server.streaming import publish

TITLE_MAX = 256
KEYWORD_MAX = 512


@dataclass(frozen=True)
class KeywordChange:
    keyword: str | None = None
    whole_word: bool | None = None
    id: int | None = None
    destroy: bool = False


@dataclass
class FilterView:
    row: FilterRow
    keywords: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)

    def for_matching(self) -> matcher.Filter:
        return matcher.Filter(
            id=self.row.id, title=self.row.title, context=tuple(self.row.context),
            filter_action=self.row.filter_action, expires_at=self.row.expires_at,
            keywords=tuple(matcher.Keyword(k["id"], k["keyword"], k["whole_word"])
                           for k in self.keywords),
            status_ids=frozenset(s["status_id"] for s in self.statuses))


def check_fields(*, title: str | None, context: list[str] | None, action: str | None) -> None:
    if title is not None and not title.strip():
        raise ValidationError("Validation failed: Title can't be blank", field="title")
    if title is not None and len(title) > TITLE_MAX:
        raise ValidationError(f"Validation failed: Title is too long (maximum is {TITLE_MAX} "
                              "characters)", field="title")
    if context is not None:
        if not context:
            raise ValidationError("Validation failed: Context can't be blank", field="context")
        unknown = [c for c in context if c not in matcher.CONTEXTS]
        if unknown:
            raise ValidationError(f"Validation failed: Context {unknown[0]!r} is not one of "
                                  + ", ".join(matcher.CONTEXTS), field="context")
    if action is not None and action not in matcher.ACTIONS:
        raise ValidationError("Validation failed: filter_action must be warn, hide or blur",
                              field="filter_action")


def check_keyword(keyword: str | None) -> str:
    text = (keyword or "").strip()
    if not text:
        raise ValidationError("Validation failed: Keyword can't be blank", field="keyword")
    if len(text) > KEYWORD_MAX:
        raise ValidationError("Validation failed: Keyword is too long", field="keyword")
    return text


async def views(conn: Conn, rows: list[FilterRow]) -> list[FilterView]:
    if not rows:  # most readers have no filters: no keyword or status queries for them
        return []
    ids = [r.id for r in rows]
    found = {r.id: FilterView(r) for r in rows}
    for k in await queries.list_keywords(conn, filter_ids=ids):
        found[k["filter_id"]].keywords.append(k)
    for s in await queries.list_filter_statuses(conn, filter_ids=ids):
        found[s["filter_id"]].statuses.append(s)
    return [found[i] for i in ids]


async def list_views(conn: Conn, *, account_id: int) -> list[FilterView]:
    return await views(conn, await queries.list_filters(conn, account_id=account_id))


async def get_view(conn: Conn, *, account_id: int, filter_id: int) -> FilterView:
    row = await queries.get_filter(conn, filter_id=filter_id, account_id=account_id)
    if row is None:
        raise NotFoundError("Record not found")
    return (await views(conn, [row]))[0]


async def active_filters(conn: Conn, *, account_id: int, now: datetime) -> list[matcher.Filter]:
    """The filters rendering applies for this reader now (the matcher checks contexts)."""
    rows = [r for r in await queries.list_filters(conn, account_id=account_id)
            if r.expires_at is None or r.expires_at > now]
    return [v.for_matching() for v in await views(conn, rows)]


def expiry(expires_in: int | None, now: datetime) -> datetime | None:
    if expires_in is None:
        return None
    if expires_in <= 0:
        raise ValidationError("Validation failed: expires_in must be a positive number of "
                              "seconds", field="expires_in")
    return now + timedelta(seconds=expires_in)


async def create_filter(conn: Conn, *, account_id: int, title: str | None, context: list[str],
                        action: str | None, expires_in: int | None,
                        keywords: list[KeywordChange], now: datetime) -> FilterView:
    check_fields(title=title or "", context=context, action=action)
    filter_id = new_id()
    await queries.insert_filter(conn, filter_id=filter_id, account_id=account_id,
                                title=(title or "").strip(), context=context,
                                filter_action=action or "warn",
                                expires_at=expiry(expires_in, now), now=now)
    await _apply_keywords(conn, filter_id=filter_id, changes=keywords, now=now)
    await publish.filters_changed(conn, account_id=account_id)
    return await get_view(conn, account_id=account_id, filter_id=filter_id)


async def update_filter(conn: Conn, *, account_id: int, filter_id: int, title: str | None,
                        context: list[str] | None, action: str | None,
                        expires_in: int | None, clear_expiry: bool,
                        keywords: list[KeywordChange], now: datetime) -> FilterView:
    current = (await get_view(conn, account_id=account_id, filter_id=filter_id)).row
    check_fields(title=title, context=context, action=action)
    expires_at = None if clear_expiry else (
        expiry(expires_in, now) if expires_in is not None else current.expires_at)
    await queries.update_filter(conn, filter_id=filter_id,
                                title=title.strip() if title is not None else current.title,
                                context=context if context is not None else current.context,
                                filter_action=action or current.filter_action,
                                expires_at=expires_at)
    await _apply_keywords(conn, filter_id=filter_id, changes=keywords, now=now)
    await publish.filters_changed(conn, account_id=account_id)
    return await get_view(conn, account_id=account_id, filter_id=filter_id)


async def _apply_keywords(conn: Conn, *, filter_id: int, changes: list[KeywordChange],
                          now: datetime) -> None:
    for change in changes:
        if change.id is None:
            if change.destroy:
                continue
            await queries.insert_keyword(conn, keyword_id=new_id(), filter_id=filter_id,
                                         keyword=check_keyword(change.keyword),
                                         whole_word=True if change.whole_word is None
                                         else change.whole_word, now=now)
        elif change.destroy:
            if not await queries.delete_keyword(conn, keyword_id=change.id, filter_id=filter_id):
                raise NotFoundError("Record not found")
        elif not await queries.update_keyword(
                conn, keyword_id=change.id, filter_id=filter_id,
                keyword=check_keyword(change.keyword),
                whole_word=True if change.whole_word is None else change.whole_word):
            raise NotFoundError("Record not found")


async def delete_filter(conn: Conn, *, account_id: int, filter_id: int) -> None:
    if not await queries.delete_filter(conn, filter_id=filter_id, account_id=account_id):
        raise NotFoundError("Record not found")
    await publish.filters_changed(conn, account_id=account_id)


async def add_keyword(conn: Conn, *, account_id: int, filter_id: int, keyword: str | None,
                      whole_word: bool | None, now: datetime) -> dict[str, Any]:
    await get_view(conn, account_id=account_id, filter_id=filter_id)
    keyword_id = new_id()
    await queries.insert_keyword(conn, keyword_id=keyword_id, filter_id=filter_id,
                                 keyword=check_keyword(keyword),
                                 whole_word=True if whole_word is None else whole_word, now=now)
    await publish.filters_changed(conn, account_id=account_id)
    found = await queries.get_keyword(conn, keyword_id=keyword_id, account_id=account_id)
    assert found is not None
    return found


async def change_keyword(conn: Conn, *, account_id: int, keyword_id: int, keyword: str | None,
                         whole_word: bool | None, destroy: bool = False) -> dict[str, Any]:
    current = await queries.get_keyword(conn, keyword_id=keyword_id, account_id=account_id)
    if current is None:
        raise NotFoundError("Record not found")
    if destroy:
        await queries.delete_keyword(conn, keyword_id=keyword_id, filter_id=current["filter_id"])
    else:
        await queries.update_keyword(
            conn, keyword_id=keyword_id, filter_id=current["filter_id"],
            keyword=check_keyword(keyword if keyword is not None else current["keyword"]),
            whole_word=current["whole_word"] if whole_word is None else whole_word)
        current = await queries.get_keyword(conn, keyword_id=keyword_id, account_id=account_id)
        assert current is not None
    await publish.filters_changed(conn, account_id=account_id)
    return current


async def add_status(conn: Conn, *, account_id: int, filter_id: int, status_id: int,
                     now: datetime) -> dict[str, Any]:
    await get_view(conn, account_id=account_id, filter_id=filter_id)
    made = await queries.insert_filter_status(conn, filter_status_id=new_id(), filter_id=filter_id,
                                              status_id=status_id, now=now)
    if made is None:
        raise ValidationError("Validation failed: Status has already been taken",
                              field="status_id")
    await publish.filters_changed(conn, account_id=account_id)
    found = await queries.get_filter_status(conn, filter_status_id=made, account_id=account_id)
    assert found is not None
    return found


async def remove_status(conn: Conn, *, account_id: int, filter_status_id: int) -> dict[str, Any]:
    found = await queries.get_filter_status(conn, filter_status_id=filter_status_id,
                                            account_id=account_id)
    if found is None:
        raise NotFoundError("Record not found")
    await queries.delete_filter_status(conn, filter_status_id=filter_status_id)
    await publish.filters_changed(conn, account_id=account_id)
    return found
