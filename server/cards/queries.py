"""SQL for preview cards and the links from statuses to them (see queries.sql)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.cards")


@dataclass(frozen=True, slots=True)
class StatusForCard:
    id: int
    local: bool
    content: str
    reblog_of_id: int | None
    deleted_at: datetime | None
    has_media: bool
    mention_urls: list[str]
    linked_url: str | None
    linked_card_id: int | None


@dataclass(frozen=True, slots=True)
class StoredCard:
    id: int
    url: str
    updated_at: datetime
    image_path: str | None
    image_remote_url: str | None


@dataclass(frozen=True, slots=True)
class NewCard:
    """What a page (or its oEmbed answer) says about itself, ready to store."""
    url: str
    type: str = "link"
    title: str = ""
    description: str = ""
    author_name: str = ""
    author_url: str = ""
    provider_name: str = ""
    provider_url: str = ""
    html: str = ""
    width: int = 0
    height: int = 0
    embed_url: str = ""
    image_remote_url: str | None = None
    image_path: str | None = None
    image_description: str = ""
    blurhash: str | None = None
    language: str | None = None
    published_at: datetime | None = None


async def get_status_for_card(conn: Conn, *, status_id: int) -> StatusForCard | None:
    row = await conn.fetchrow(Q["get_status_for_card"], status_id)
    return StatusForCard(**dict(row)) if row else None


async def get_card_by_url(conn: Conn, *, url: str) -> StoredCard | None:
    row = await conn.fetchrow(Q["get_card_by_url"], url)
    return StoredCard(**dict(row)) if row else None


async def upsert_card(conn: Conn, *, card_id: int, card: NewCard,
                      now: datetime) -> tuple[int, str | None]:
    """(the card's id, the thumbnail it had before, if any)."""
    row = await conn.fetchrow(
        Q["upsert_card"], card_id, card.url, card.type, card.title, card.description,
        card.author_name, card.author_url, card.provider_name, card.provider_url, card.html,
        card.width, card.height, card.embed_url, card.image_remote_url, card.image_path,
        card.image_description, card.blurhash, card.language, card.published_at, now)
    return int(row["id"]), row["previous_image_path"]


async def link_status(conn: Conn, *, status_id: int, card_id: int, url: str) -> None:
    await conn.execute(Q["link_status"], status_id, card_id, url)


async def unlink_status(conn: Conn, *, status_id: int) -> None:
    await conn.execute(Q["unlink_status"], status_id)


async def load_cards(conn: Conn, *, status_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not status_ids:
        return {}
    return {row["status_id"]: dict(row)
            for row in await conn.fetch(Q["load_cards"], status_ids)}


async def trending_links(conn: Conn, *, since: datetime, limit: int,
                         offset: int) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(Q["trending_links"], since, limit, offset)]


async def link_history(conn: Conn, *, card_ids: list[int],
                       since: datetime) -> list[dict[str, Any]]:
    if not card_ids:
        return []
    return [dict(row) for row in await conn.fetch(Q["link_history"], card_ids, since)]
