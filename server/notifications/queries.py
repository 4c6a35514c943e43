"""SQL for notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.notifications")


async def insert_notification(conn: Conn, *, notification_id: int, account_id: int,
                              from_account_id: int, type_: str, status_id: int | None,
                              now: datetime, filterable: list[str],
                              join_keys: list[str] | None = None, own_key: str | None = None,
                              request_id: int = 0) -> Made | None:
    """The notification made, or None (blocked, muted, dropped by the policy, or made once
    already)."""
    row = await conn.fetchrow(Q["insert_notification"], notification_id, account_id,
                              from_account_id, type_, status_id, now, join_keys or [], own_key,
                              filterable, request_id)
    return Made(row["id"], row["filtered"]) if row else None


@dataclass(frozen=True, slots=True)
class Made:
    id: int
    filtered: bool   # kept out of the lists until its sender's request is accepted


async def delete_notifications_about(conn: Conn, *, account_id: int, from_account_id: int,
                                     type_: str, status_id: int | None) -> None:
    await conn.execute(Q["delete_notifications_about"], account_id, from_account_id, type_, status_id)


async def list_notifications_for(conn: Conn, *, account_id: int, limit: int = 40) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_notifications_for"], account_id, limit)]


async def list_notifications(conn: Conn, *, account_id: int, types: list[str] | None,
                             exclude_types: list[str], from_account_id: int | None,
                             max_id: int | None, since_id: int | None, min_id: int | None,
                             limit: int, include_filtered: bool = False) -> list[dict[str, Any]]:
    rows = [dict(r) for r in await conn.fetch(Q["list_notifications"], account_id, types,
                                              exclude_types, from_account_id, max_id, since_id,
                                              min_id, limit, include_filtered)]
    return list(reversed(rows)) if min_id is not None else rows


async def get_notification(conn: Conn, *, notification_id: int, account_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_notification"], notification_id, account_id)
    return dict(row) if row else None


async def delete_notification(conn: Conn, *, notification_id: int, account_id: int) -> bool:
    return await conn.fetchval(Q["delete_notification"], notification_id, account_id) is not None


async def clear_notifications(conn: Conn, *, account_id: int) -> None:
    await conn.execute(Q["clear_notifications"], account_id)


async def count_notifications(conn: Conn, *, account_id: int, after_id: int | None, limit: int,
                              types: list[str] | None = None,
                              exclude_types: list[str] | None = None,
                              from_account_id: int | None = None) -> int:
    return int(await conn.fetchval(Q["count_notifications"], account_id, after_id, limit, types,
                                   exclude_types or [], from_account_id))


@dataclass(frozen=True, slots=True)
class GroupFilter:
    """What the grouped list shows: the v1 list's filters, and the types that group."""
    types: list[str] | None
    exclude_types: list[str]
    from_account_id: int | None
    grouped_types: list[str]
    include_filtered: bool = False


async def page_notification_groups(conn: Conn, *, account_id: int, where: GroupFilter,
                                   max_id: int | None, since_id: int | None,
                                   min_id: int | None, limit: int,
                                   walk: int) -> list[dict[str, Any]]:
    """One notification standing for each group of the page, newest first."""
    rows = [dict(r) for r in await conn.fetch(
        Q["page_notification_groups"], account_id, where.types, where.exclude_types,
        where.from_account_id, max_id, since_id, min_id, limit, where.grouped_types, walk,
        where.include_filtered)]
    return rows[::-1] if min_id is not None else rows


async def notification_group_facts(conn: Conn, *, account_id: int, group_keys: list[str],
                                   start: int | None, end: int,
                                   samples: int) -> dict[str, dict[str, Any]]:
    rows = await conn.fetch(Q["notification_group_facts"], account_id, group_keys, start, end,
                            samples)
    return {r["group_key"]: dict(r) for r in rows}


async def newest_in_group(conn: Conn, *, account_id: int, group_key: str,
                          ungrouped_id: int | None) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["newest_in_group"], account_id, group_key, ungrouped_id)
    return dict(row) if row else None


async def page_group_senders(conn: Conn, *, account_id: int, group_key: str,
                             ungrouped_id: int | None, max_id: int | None,
                             since_id: int | None, min_id: int | None,
                             limit: int) -> list[dict[str, Any]]:
    rows = [dict(r) for r in await conn.fetch(Q["page_group_senders"], account_id, group_key,
                                              ungrouped_id, max_id, since_id, min_id, limit)]
    return rows[::-1] if min_id is not None else rows


async def dismiss_group(conn: Conn, *, account_id: int, group_key: str,
                        ungrouped_id: int | None) -> None:
    await conn.execute(Q["dismiss_group"], account_id, group_key, ungrouped_id)


async def count_notification_groups(conn: Conn, *, account_id: int, after_id: int | None,
                                    limit: int, grouped_types: list[str]) -> int:
    return min(limit, int(await conn.fetchval(Q["count_notification_groups"], account_id,
                                              after_id, limit, grouped_types)))


POLICY_KEYS = ("for_not_following", "for_not_followers", "for_new_accounts",
               "for_private_mentions", "for_limited_accounts")


async def get_notification_policy(conn: Conn, *, account_id: int) -> dict[str, Any]:
    return dict(await conn.fetchrow(Q["get_notification_policy"], account_id))


async def set_notification_policy(conn: Conn, *, account_id: int,
                                  changes: dict[str, str | None]) -> None:
    await conn.execute(Q["set_notification_policy"], account_id,
                       *(changes.get(k) for k in POLICY_KEYS))


async def page_notification_requests(conn: Conn, *, account_id: int, max_id: int | None,
                                     since_id: int | None, min_id: int | None,
                                     limit: int) -> list[dict[str, Any]]:
    rows = [dict(r) for r in await conn.fetch(Q["page_notification_requests"], account_id,
                                              max_id, since_id, min_id, limit)]
    return rows[::-1] if min_id is not None else rows


async def get_notification_requests(conn: Conn, *, account_id: int,
                                    ids: list[int]) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["get_notification_requests"], account_id, ids)]


async def accept_notification_requests(conn: Conn, *, account_id: int, ids: list[int],
                                       now: datetime) -> list[int]:
    return [r["from_account_id"] for r in
            await conn.fetch(Q["accept_notification_requests"], account_id, ids, now)]


async def dismiss_notification_requests(conn: Conn, *, account_id: int,
                                        ids: list[int]) -> list[int]:
    return [r["from_account_id"] for r in
            await conn.fetch(Q["dismiss_notification_requests"], account_id, ids)]


async def list_local_quoters(conn: Conn, *, status_id: int) -> list[tuple[int, int]]:
    """(quoting status id, its author's account id) for members' accepted quotes of it."""
    return [(r["status_id"], r["account_id"])
            for r in await conn.fetch(Q["list_local_quoters"], status_id)]


async def list_local_boosters(conn: Conn, *, status_id: int) -> list[int]:
    return [r["account_id"] for r in await conn.fetch(Q["list_local_boosters"], status_id)]
