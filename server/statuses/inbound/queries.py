"""SQL for posts that arrive from other servers: their remote media, polls and emoji."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries
from server.statuses.queries import NewStatus, Status

Q = load_queries("server.statuses.inbound")


@dataclass(frozen=True, slots=True)
class RemoteMedia:
    id: int
    type: str
    remote_url: str
    content_type: str | None
    description: str | None
    blurhash: str | None
    meta: dict[str, Any]
    focus_x: float
    focus_y: float


async def insert_remote_media(conn: Conn, *, account_id: int, status_id: int,
                              media: list[RemoteMedia], now: datetime) -> None:
    if not media:
        return
    await conn.execute(
        Q["insert_remote_media"], [m.id for m in media], account_id, status_id,
        [m.type for m in media], [m.remote_url for m in media],
        [m.content_type for m in media], [m.description for m in media],
        [m.blurhash for m in media], [m.meta for m in media], [m.focus_x for m in media],
        [m.focus_y for m in media], now)


async def list_status_media(conn: Conn, *, status_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_status_media"], status_id)]


async def detach_status_media(conn: Conn, *, status_id: int) -> None:
    await conn.execute(Q["detach_status_media"], status_id)


async def upsert_remote_poll(conn: Conn, *, poll_id: int, status_id: int, account_id: int,
                             options: list[str], multiple: bool, expires_at: datetime | None,
                             closed_at: datetime | None, counts: list[int],
                             voters: int | None, now: datetime) -> int:
    return int(await conn.fetchval(Q["upsert_remote_poll"], poll_id, status_id, account_id,
                                   options, multiple, expires_at, closed_at, counts, voters, now))


async def get_poll_of_status(conn: Conn, *, status_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_poll_of_status"], status_id)
    return dict(row) if row else None


async def insert_status_emojis(conn: Conn, *, status_id: int,
                               emojis: list[tuple[str, str]]) -> None:
    if emojis:
        await conn.execute(Q["insert_status_emojis"], status_id, [e[0] for e in emojis],
                           [e[1] for e in emojis])


async def delete_status_emojis(conn: Conn, *, status_id: int) -> None:
    await conn.execute(Q["delete_status_emojis"], status_id)


async def list_status_emojis(conn: Conn, *, status_ids: list[int]) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_status_emojis"], status_ids)]


async def link_replies(conn: Conn, *, parent_id: int, parent_account_id: int,
                       parent_uri: str) -> list[int]:
    return [r["id"] for r in await conn.fetch(Q["link_replies"], parent_id, parent_account_id,
                                              parent_uri)]


async def update_remote_status(conn: Conn, *, status_id: int, content: str, spoiler_text: str,
                               sensitive: bool, language: str | None,
                               edited_at: datetime) -> None:
    await conn.execute(Q["update_remote_status"], status_id, content, spoiler_text, sensitive,
                       language, edited_at)


async def insert_remote_status(conn: Conn, s: NewStatus, *, now: datetime) -> Status | None:
    """The stored post, or None when a status with that URI exists already."""
    row = await conn.fetchrow(
        Q["insert_remote_status"], s.id, s.account_id, s.uri, s.url, s.in_reply_to_id,
        s.in_reply_to_account_id, s.in_reply_to_uri, s.reblog_of_id, s.conversation_id,
        s.content, s.spoiler_text, s.sensitive, s.visibility, s.language, s.created_at, now,
        s.quote_policy or 0)
    return Status(**dict(row)) if row else None
