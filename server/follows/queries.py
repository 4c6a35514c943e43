"""SQL for follows, follow requests, blocks and mutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.follows")


@dataclass(frozen=True, slots=True)
class Follow:
    id: int
    account_id: int
    target_account_id: int
    show_reblogs: bool
    notify: bool
    uri: str | None
    created_at: datetime


def _follow(row: Any) -> Follow | None:
    return Follow(**dict(row)) if row else None


async def get_follow(conn: Conn, *, account_id: int, target_id: int) -> Follow | None:
    return _follow(await conn.fetchrow(Q["get_follow"], account_id, target_id))


async def list_relations_with(conn: Conn, *, account_id: int,
                              other_ids: list[int]) -> tuple[set[int], set[int]]:
    """Of these accounts, those the account follows and those that follow it."""
    following: set[int] = set()
    followed_by: set[int] = set()
    for row in await conn.fetch(Q["list_relations_with"], account_id, other_ids):
        (following if row["following"] else followed_by).add(row["id"])
    return following, followed_by


async def get_follow_by_uri(conn: Conn, *, uri: str) -> Follow | None:
    return _follow(await conn.fetchrow(Q["get_follow_by_uri"], uri))


async def insert_follow(conn: Conn, *, follow_id: int, account_id: int, target_id: int,
                        show_reblogs: bool, notify: bool, uri: str | None, now: datetime) -> bool:
    """True when the follow is new (False: its options were updated)."""
    row = await conn.fetchrow(Q["insert_follow"], follow_id, account_id, target_id, show_reblogs,
                              notify, uri, now)
    return bool(row["created"])


async def delete_follow(conn: Conn, *, account_id: int, target_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["delete_follow"], account_id, target_id)
    return dict(row) if row else None


async def get_follow_request(conn: Conn, *, account_id: int, target_id: int) -> Follow | None:
    return _follow(await conn.fetchrow(Q["get_follow_request"], account_id, target_id))


async def get_follow_request_by_uri(conn: Conn, *, uri: str) -> Follow | None:
    return _follow(await conn.fetchrow(Q["get_follow_request_by_uri"], uri))


async def insert_follow_request(conn: Conn, *, request_id: int, account_id: int, target_id: int,
                                show_reblogs: bool, notify: bool, uri: str | None,
                                now: datetime) -> bool:
    row = await conn.fetchrow(Q["insert_follow_request"], request_id, account_id, target_id,
                              show_reblogs, notify, uri, now)
    return bool(row["created"])


async def delete_follow_request(conn: Conn, *, account_id: int, target_id: int) -> Follow | None:
    return _follow(await conn.fetchrow(Q["delete_follow_request"], account_id, target_id))


async def list_follow_requests(conn: Conn, *, target_id: int, limit: int = 80) -> list[Follow]:
    return [Follow(**dict(r)) for r in await conn.fetch(Q["list_follow_requests"], target_id, limit)]


async def insert_block(conn: Conn, *, block_id: int, account_id: int, target_id: int,
                       uri: str | None, now: datetime) -> bool:
    return await conn.fetchval(Q["insert_block"], block_id, account_id, target_id, uri, now) is not None


async def delete_block(conn: Conn, *, account_id: int, target_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["delete_block"], account_id, target_id)
    return dict(row) if row else None


async def get_block_by_uri(conn: Conn, *, uri: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_block_by_uri"], uri)
    return dict(row) if row else None


async def is_blocking(conn: Conn, *, account_id: int, target_id: int) -> bool:
    return bool(await conn.fetchval(Q["is_blocking"], account_id, target_id))


async def upsert_mute(conn: Conn, *, mute_id: int, account_id: int, target_id: int,
                      hide_notifications: bool, expires_at: datetime | None, now: datetime) -> None:
    await conn.execute(Q["upsert_mute"], mute_id, account_id, target_id, hide_notifications,
                       expires_at, now)


async def delete_mute(conn: Conn, *, account_id: int, target_id: int) -> None:
    await conn.execute(Q["delete_mute"], account_id, target_id)


async def list_local_follower_ids(conn: Conn, *, target_id: int) -> list[int]:
    return [r["account_id"] for r in await conn.fetch(Q["list_local_follower_ids"], target_id)]


async def list_follower_inboxes(conn: Conn, *, target_id: int) -> list[str]:
    return [r["inbox"] for r in await conn.fetch(Q["list_follower_inboxes"], target_id)]
