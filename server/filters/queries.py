"""SQL for filters (v2): filters, their keywords and their statuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.filters")


@dataclass(frozen=True, slots=True)
class FilterRow:
    id: int
    account_id: int
    title: str
    context: list[str]
    filter_action: str
    expires_at: datetime | None
    created_at: datetime


def _row(r: Any) -> FilterRow | None:
    return FilterRow(**dict(r)) if r else None


async def list_filters(conn: Conn, *, account_id: int) -> list[FilterRow]:
    return [FilterRow(**dict(r)) for r in await conn.fetch(Q["list_filters"], account_id)]


async def get_filter(conn: Conn, *, filter_id: int, account_id: int) -> FilterRow | None:
    return _row(await conn.fetchrow(Q["get_filter"], filter_id, account_id))


async def insert_filter(conn: Conn, *, filter_id: int, account_id: int, title: str,
                        context: list[str], filter_action: str, expires_at: datetime | None,
                        now: datetime) -> None:
    await conn.execute(Q["insert_filter"], filter_id, account_id, title, context, filter_action,
                       expires_at, now)


async def update_filter(conn: Conn, *, filter_id: int, title: str, context: list[str],
                        filter_action: str, expires_at: datetime | None) -> None:
    await conn.execute(Q["update_filter"], filter_id, title, context, filter_action, expires_at)


async def delete_filter(conn: Conn, *, filter_id: int, account_id: int) -> bool:
    return await conn.fetchval(Q["delete_filter"], filter_id, account_id) is not None


async def list_keywords(conn: Conn, *, filter_ids: list[int]) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_keywords"], filter_ids)]


async def get_keyword(conn: Conn, *, keyword_id: int, account_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_keyword"], keyword_id, account_id)
    return dict(row) if row else None


async def insert_keyword(conn: Conn, *, keyword_id: int, filter_id: int, keyword: str,
                         whole_word: bool, now: datetime) -> None:
    await conn.execute(Q["insert_keyword"], keyword_id, filter_id, keyword, whole_word, now)


async def update_keyword(conn: Conn, *, keyword_id: int, filter_id: int, keyword: str,
                         whole_word: bool) -> bool:
    return await conn.fetchval(Q["update_keyword"], keyword_id, filter_id, keyword,
                               whole_word) is not None


async def delete_keyword(conn: Conn, *, keyword_id: int, filter_id: int) -> bool:
    return await conn.fetchval(Q["delete_keyword"], keyword_id, filter_id) is not None


async def list_filter_statuses(conn: Conn, *, filter_ids: list[int]) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_filter_statuses"], filter_ids)]


async def get_filter_status(conn: Conn, *, filter_status_id: int,
                            account_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_filter_status"], filter_status_id, account_id)
    return dict(row) if row else None


async def insert_filter_status(conn: Conn, *, filter_status_id: int, filter_id: int,
                               status_id: int, now: datetime) -> int | None:
    return await conn.fetchval(Q["insert_filter_status"], filter_status_id, filter_id, status_id,
                               now)


async def delete_filter_status(conn: Conn, *, filter_status_id: int) -> None:
    await conn.execute(Q["delete_filter_status"], filter_status_id)


async def list_active_filter_ids(conn: Conn, *, account_id: int, now: datetime) -> list[int]:
    return [r["id"] for r in await conn.fetch(Q["list_active_filter_ids"], account_id, now)]


async def list_account_keywords(conn: Conn, *, account_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_account_keywords"], account_id)]
