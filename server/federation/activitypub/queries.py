"""SQL for the inbox's stored activities and for the collections we serve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.federation.activitypub")


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: int
    activity_id: str
    actor_uri: str
    type: str
    raw: dict[str, Any]
    signed_by: str | None
    inbox_account_id: int | None
    received_at: datetime
    state: str
    error: str | None
    processed_at: datetime | None


async def insert_inbox_item(conn: Conn, *, item_id: int, activity_id: str, actor_uri: str,
                            type: str, raw_json: str, signed_by: str | None,
                            inbox_account_id: int | None, received_at: datetime) -> int | None:
    """The new row's id; None when this activity id was stored before."""
    return await conn.fetchval(Q["insert_inbox_item"], item_id, activity_id, actor_uri, type,
                               raw_json, signed_by, inbox_account_id, received_at)


@dataclass(frozen=True, slots=True)
class SenderState:
    domain_suspended: bool
    actor_known: bool
    actor_suspended: bool


async def get_inbox_sender_state(conn: Conn, *, domains: list[str], actor_uri: str) -> SenderState:
    return SenderState(*await conn.fetchrow(Q["get_inbox_sender_state"], domains, actor_uri))


@dataclass(frozen=True, slots=True)
class StoreOutcome:
    domain_suspended: bool
    actor_suspended: bool
    signer_current: bool  # False: the remembered key is no longer the actor's; nothing stored
    stored: bool          # False with the three above clear: a redelivery


@dataclass(frozen=True, slots=True)
class ItemToStore:
    """One POST's row for store_inbox_items."""

    domains: list[str]
    item_id: int
    actor_uri: str
    signed_by: str
    remembered_pem: str | None
    activity_id: str
    type: str
    raw_json: str
    inbox_account_id: int | None
    received_at: datetime


async def store_inbox_items(conn: Conn, *, items: list[ItemToStore], job_kind: str,
                            channel: str, notify: bool) -> tuple[list[StoreOutcome], bool]:
    """One outcome per item, in order, and whether a NOTIFY was sent with them."""
    numbers = [n for n, item in enumerate(items, 1) for _ in item.domains]
    domains = [d for item in items for d in item.domains]
    rows = await conn.fetch(
        Q["store_inbox_items"], [i.item_id for i in items], [i.actor_uri for i in items],
        [i.signed_by for i in items], [i.remembered_pem for i in items],
        [i.activity_id for i in items], [i.type for i in items], [i.raw_json for i in items],
        [i.inbox_account_id for i in items], [i.received_at for i in items], numbers, domains,
        job_kind, channel, notify)
    return [StoreOutcome(*r[:4]) for r in rows], bool(rows and rows[0]["woken"])


async def get_inbox_item(conn: Conn, *, item_id: int) -> InboxItem | None:
    row = await conn.fetchrow(Q["get_inbox_item"], item_id)
    return InboxItem(**dict(row)) if row else None


async def finish_inbox_item(conn: Conn, *, item_id: int, state: str, error: str | None,
                            now: datetime) -> bool:
    return await conn.fetchval(Q["finish_inbox_item"], item_id, state, error, now) is not None


async def get_inbox_items(conn: Conn, *, item_ids: list[int]) -> list[InboxItem]:
    return [InboxItem(**dict(r)) for r in await conn.fetch(Q["get_inbox_items"], item_ids)]


async def finish_inbox_items(conn: Conn, *, outcomes: list[tuple[int, str, str | None]],
                             now: datetime) -> None:
    """`outcomes`: (item id, state, error) per item."""
    if outcomes:
        ids, states, errors = (list(c) for c in zip(*outcomes))
        await conn.execute(Q["finish_inbox_items"], ids, states, errors, now)


async def note_inbox_item_error(conn: Conn, *, item_id: int, error: str) -> None:
    await conn.execute(Q["note_inbox_item_error"], item_id, error)


async def list_inbox_items(conn: Conn, *, limit: int = 100) -> list[InboxItem]:
    return [InboxItem(**dict(r)) for r in await conn.fetch(Q["list_inbox_items"], limit)]


async def count_follows_of(conn: Conn, *, account_id: int, followers: bool) -> int:
    return int(await conn.fetchval(Q["count_follows_of"], account_id, followers))


async def list_follow_uris(conn: Conn, *, account_id: int, followers: bool, limit: int,
                           offset: int) -> list[str]:
    query = Q["list_follower_uris"] if followers else Q["list_following_uris"]
    return [r["uri"] for r in await conn.fetch(query, account_id, limit, offset)]


async def count_outbox(conn: Conn, *, account_id: int) -> int:
    return int(await conn.fetchval(Q["count_outbox"], account_id))


async def list_outbox_ids(conn: Conn, *, account_id: int, max_id: int, limit: int) -> list[int]:
    return [r["id"] for r in await conn.fetch(Q["list_outbox_ids"], account_id, max_id, limit)]


async def list_pinned_status_ids(conn: Conn, *, account_id: int) -> list[int]:
    return [r["status_id"] for r in await conn.fetch(Q["list_pinned_status_ids"], account_id)]


async def list_status_media(conn: Conn, *, status_ids: list[int]) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_status_media"], status_ids)]


async def list_status_uris_and_authors(conn: Conn, *,
                                       status_ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = await conn.fetch(Q["list_status_uris_and_authors"], status_ids)
    return {r["id"]: dict(r) for r in rows}


