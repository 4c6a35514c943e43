"""Filters as the v1 API sees them: one keyword each, over the v2 filters that exist.

A v1 filter is a keyword of a v2 filter; its id is the keyword's id. Creating one makes a
v2 filter titled after the phrase with that single keyword. `irreversible` is the `hide`
action. Changing the filter-wide fields (context, expiry, irreversible, the title through
the phrase) of a filter that has more than one keyword is refused, since a v1 client sees
only the one keyword it edits. Deleting removes that keyword only. This is how Mastodon
maps its old filters API onto the new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn
from server.errors import NotFoundError, ValidationError
from server.filters import queries
from server.filters.queries import FilterRow
from server.filters.service import KEYWORD_MAX, TITLE_MAX, check_fields, expiry
from server.ids import new_id
from server.streaming import publish


@dataclass(frozen=True)
class V1Filter:
    keyword: dict[str, Any]
    row: FilterRow


def _action(irreversible: bool | None, current: str) -> str:
    """Given, `irreversible` sets the action outright (false is `warn`, as in Mastodon)."""
    if irreversible is None:
        return current
    return "hide" if irreversible else "warn"


async def list_filters(conn: Conn, *, account_id: int) -> list[V1Filter]:
    keywords = await queries.list_account_keywords(conn, account_id=account_id)
    rows = {r.id: r for r in await queries.list_filters(conn, account_id=account_id)}
    return [V1Filter(k, rows[k["filter_id"]]) for k in keywords]


async def get_filter(conn: Conn, *, account_id: int, keyword_id: int) -> V1Filter:
    keyword = await queries.get_keyword(conn, keyword_id=keyword_id, account_id=account_id)
    if keyword is None:
        raise NotFoundError("Record not found")
    row = await queries.get_filter(conn, filter_id=keyword["filter_id"], account_id=account_id)
    assert row is not None
    return V1Filter(keyword, row)


def _check_phrase(phrase: str | None) -> str:
    text = (phrase or "").strip()
    if not text:
        raise ValidationError("Validation failed: Phrase can't be blank", field="phrase")
    if len(text) > min(KEYWORD_MAX, TITLE_MAX):     # it becomes the title as well
        raise ValidationError("Validation failed: Phrase is too long", field="phrase")
    return text


async def create_filter(conn: Conn, *, account_id: int, phrase: str | None, context: list[str],
                        irreversible: bool | None, whole_word: bool | None,
                        expires_in: int | None, now: datetime) -> V1Filter:
    text = _check_phrase(phrase)
    check_fields(title=text, context=context, action=None)
    filter_id, keyword_id = new_id(), new_id()
    await queries.insert_filter(conn, filter_id=filter_id, account_id=account_id, title=text,
                                context=context, filter_action=_action(irreversible, "warn"),
                                expires_at=expiry(expires_in, now), now=now)
    await queries.insert_keyword(conn, keyword_id=keyword_id, filter_id=filter_id, keyword=text,
                                 whole_word=True if whole_word is None else whole_word, now=now)
    await publish.filters_changed(conn, account_id=account_id)
    return await get_filter(conn, account_id=account_id, keyword_id=keyword_id)


async def update_filter(conn: Conn, *, account_id: int, keyword_id: int, phrase: str | None,
                        context: list[str] | None, irreversible: bool | None,
                        whole_word: bool | None, expires_in: int | None, clear_expiry: bool,
                        now: datetime) -> V1Filter:
    current = await get_filter(conn, account_id=account_id, keyword_id=keyword_id)
    text = _check_phrase(phrase) if phrase is not None else current.keyword["keyword"]
    check_fields(title=text, context=context, action=None)
    await queries.update_keyword(
        conn, keyword_id=keyword_id, filter_id=current.row.id, keyword=text,
        whole_word=current.keyword["whole_word"] if whole_word is None else whole_word)
    row = current.row
    title = text if phrase is not None else row.title
    new_context = context if context is not None else row.context
    action = _action(irreversible, row.filter_action)
    expires_at = None if clear_expiry else (
        expiry(expires_in, now) if expires_in is not None else row.expires_at)
    if (title, list(new_context), action, expires_at) != (row.title, list(row.context),
                                                         row.filter_action, row.expires_at):
        if len(await queries.list_keywords(conn, filter_ids=[row.id])) > 1:
            raise ValidationError(
                "Validation failed: this filter has more than one keyword, so its context, "
                "expiry and action cannot be changed through one of them; use the v2 filters "
                "API instead", field="phrase" if title != row.title else "context")
        await queries.update_filter(conn, filter_id=row.id, title=title, context=new_context,
                                    filter_action=action, expires_at=expires_at)
    await publish.filters_changed(conn, account_id=account_id)
    return await get_filter(conn, account_id=account_id, keyword_id=keyword_id)


async def delete_filter(conn: Conn, *, account_id: int, keyword_id: int) -> None:
    current = await get_filter(conn, account_id=account_id, keyword_id=keyword_id)
    await queries.delete_keyword(conn, keyword_id=keyword_id, filter_id=current.row.id)
    await publish.filters_changed(conn, account_id=account_id)
