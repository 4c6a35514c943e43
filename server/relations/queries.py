"""SQL for what an account keeps about others: paged follower/following/block/mute lists,
domain blocks, private notes, endorsements, featured tags, suggestions and search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.relations")
PAGED = ("page_followers", "page_following", "page_follow_requests", "page_blocks",
         "page_mutes", "page_endorsements", "page_domain_blocks", "page_followed_tags")


@dataclass(frozen=True, slots=True)
class Cursor:
    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int


async def page(conn: Conn, name: str, *, owner_id: int, cursor: Cursor,
               now: datetime | None = None) -> list[dict[str, Any]]:
    """Rows newest first (`page_id` plus `account_id` or `domain`)."""
    assert name in PAGED
    args: list[Any] = [owner_id, cursor.max_id, cursor.since_id, cursor.min_id, cursor.limit]
    if name == "page_mutes":
        args.append(now)
    rows = [dict(r) for r in await conn.fetch(Q[name], *args)]
    return rows[::-1] if cursor.min_id is not None else rows


async def insert_domain_block(conn: Conn, *, block_id: int, account_id: int, domain: str,
                              now: datetime) -> None:
    await conn.execute(Q["insert_domain_block"], block_id, account_id, domain, now)


async def delete_domain_block(conn: Conn, *, account_id: int, domain: str) -> None:
    await conn.execute(Q["delete_domain_block"], account_id, domain)


async def followed_on_domain(conn: Conn, *, account_id: int, domain: str) -> list[int]:
    return [r["id"] for r in await conn.fetch(Q["unfollow_domain"], account_id, domain)]


async def set_note(conn: Conn, *, account_id: int, target_id: int, comment: str,
                   now: datetime) -> None:
    if comment:
        await conn.execute(Q["set_note"], account_id, target_id, comment, now)
    else:
        await conn.execute(Q["delete_note"], account_id, target_id)


async def insert_pin(conn: Conn, *, pin_id: int, account_id: int, target_id: int,
                     now: datetime) -> None:
    await conn.execute(Q["insert_pin"], pin_id, account_id, target_id, now)


async def delete_pin(conn: Conn, *, account_id: int, target_id: int) -> None:
    await conn.execute(Q["delete_pin"], account_id, target_id)


async def is_following(conn: Conn, *, account_id: int, target_id: int) -> bool:
    return bool(await conn.fetchval(Q["is_following"], account_id, target_id))


async def search_accounts(conn: Conn, *, viewer_id: int | None, username: str,
                          domain: str | None, following: bool, limit: int,
                          offset: int) -> list[int]:
    rows = await conn.fetch(Q["search_accounts"], viewer_id, username, domain, following,
                            limit, offset)
    return [r["id"] for r in rows]


async def list_suggestions(conn: Conn, *, viewer_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_suggestions"], viewer_id, 1000)]


async def dismiss_suggestion(conn: Conn, *, account_id: int, target_id: int,
                             now: datetime) -> None:
    await conn.execute(Q["dismiss_suggestion"], account_id, target_id, now)


async def familiar_followers(conn: Conn, *, viewer_id: int,
                             target_ids: list[int]) -> dict[int, list[int]]:
    rows = await conn.fetch(Q["familiar_followers"], viewer_id, target_ids)
    return {r["target_id"]: list(r["ids"]) for r in rows}


async def list_featured_tags(conn: Conn, *, account_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_featured_tags"], account_id)]


async def feature_tag(conn: Conn, *, featured_id: int, tag_id: int, account_id: int, name: str,
                      now: datetime) -> int:
    tag = await conn.fetchval(Q["upsert_tag"], tag_id, name, now)
    return int(await conn.fetchval(Q["insert_featured_tag"], featured_id, account_id, tag, now))


async def count_featured_tags(conn: Conn, *, account_id: int) -> int:
    return int(await conn.fetchval(Q["count_featured_tags"], account_id))


async def delete_featured_tag(conn: Conn, *, featured_id: int, account_id: int) -> bool:
    return await conn.fetchval(Q["delete_featured_tag"], featured_id, account_id) is not None


async def get_tag_by_name(conn: Conn, *, name: str) -> tuple[int, str] | None:
    row = await conn.fetchrow(Q["get_tag_by_name"], name)
    return (row["id"], row["name"]) if row else None


async def follow_tag(conn: Conn, *, follow_id: int, account_id: int, tag_id: int, name: str,
                     now: datetime) -> tuple[int, str]:
    row = await conn.fetchrow(Q["follow_tag"], follow_id, account_id, tag_id, name, now)
    return row["id"], row["name"]


async def unfollow_tag(conn: Conn, *, account_id: int, tag_id: int) -> None:
    await conn.execute(Q["unfollow_tag"], account_id, tag_id)


async def followed_tag_ids(conn: Conn, *, account_id: int, tag_ids: list[int]) -> set[int]:
    return {r["tag_id"] for r in await conn.fetch(Q["followed_tag_ids"], account_id, tag_ids)}


async def list_directory(conn: Conn, *, viewer_id: int | None, order: str, local: bool,
                         limit: int, offset: int) -> list[int]:
    return [r["id"] for r in await conn.fetch(Q["list_directory"], viewer_id, order, local,
                                              limit, offset)]
