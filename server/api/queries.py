"""SQL behind the client API's read-only views: accounts as entities, relationships and the
instance's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.api")


@dataclass(frozen=True, slots=True)
class AccountView:
    id: int
    username: str
    domain: str | None
    display_name: str
    note: str
    uri: str
    url: str | None
    actor_type: str
    locked: bool
    bot: bool
    discoverable: bool
    indexable: bool
    avatar_url: str | None
    header_url: str | None
    avatar_path: str | None
    header_path: str | None
    fields: list[dict[str, Any]]
    moved_to_account_id: int | None
    suspended_at: datetime | None
    created_at: datetime
    statuses_count: int
    followers_count: int
    following_count: int
    last_status_at: datetime | None
    role: str | None              # None for remote accounts
    hide_collections: bool | None

    @property
    def local(self) -> bool:
        return self.domain is None


@dataclass(frozen=True, slots=True)
class AccountSource:
    default_privacy: str
    default_sensitive: bool
    default_language: str | None
    hide_collections: bool
    default_quote_policy: str
    note_source: str | None
    fields_source: list[dict[str, str]] | None
    discoverable: bool
    indexable: bool
    follow_requests_count: int


@dataclass(frozen=True, slots=True)
class RelationshipRow:
    id: int
    following: bool
    showing_reblogs: bool
    notifying: bool
    languages: list[str] | None
    followed_by: bool
    blocking: bool
    blocked_by: bool
    muting: bool
    muting_notifications: bool
    muting_expires_at: datetime | None
    requested: bool
    requested_by: bool
    domain_blocking: bool
    endorsed: bool
    note: str


@dataclass(frozen=True, slots=True)
class InstanceStats:
    user_count: int
    status_count: int
    domain_count: int
    active_month: int


@dataclass(frozen=True, slots=True)
class WeekActivity:
    week: datetime
    statuses: int
    logins: int
    registrations: int


@dataclass(frozen=True, slots=True)
class Rule:
    id: int | str      # charter clauses are numbered "6.1"
    text: str
    hint: str


@dataclass(frozen=True, slots=True)
class Preferences:
    default_privacy: str
    default_sensitive: bool
    default_language: str | None
    default_quote_policy: str


async def list_account_views(conn: Conn, *, account_ids: list[int]) -> dict[int, AccountView]:
    rows = await conn.fetch(Q["list_account_views"], account_ids)
    return {r["id"]: AccountView(**dict(r)) for r in rows}


async def get_account_source(conn: Conn, *, account_id: int) -> AccountSource | None:
    row = await conn.fetchrow(Q["get_account_source"], account_id)
    return AccountSource(**dict(row)) if row else None


async def list_relationships(conn: Conn, *, viewer_id: int, account_ids: list[int],
                             now: datetime, with_suspended: bool) -> list[RelationshipRow]:
    rows = await conn.fetch(Q["list_relationships"], viewer_id, account_ids, now, with_suspended)
    return [RelationshipRow(**dict(r)) for r in rows]


async def get_instance_stats(conn: Conn, *, active_since: date) -> InstanceStats:
    row = await conn.fetchrow(Q["get_instance_stats"], active_since)
    return InstanceStats(**dict(row))


async def list_peers(conn: Conn) -> list[str]:
    return [r["domain"] for r in await conn.fetch(Q["list_peers"])]


async def list_weekly_activity(conn: Conn, *, this_week: datetime) -> list[WeekActivity]:
    return [WeekActivity(**dict(r)) for r in await conn.fetch(Q["list_weekly_activity"], this_week)]


async def list_instance_rules(conn: Conn) -> list[Rule]:
    return [Rule(**dict(r)) for r in await conn.fetch(Q["list_instance_rules"])]


async def get_contact_account_id(conn: Conn) -> int | None:
    return await conn.fetchval(Q["get_contact_account_id"])


async def get_preferences(conn: Conn, *, account_id: int) -> Preferences | None:
    row = await conn.fetchrow(Q["get_preferences"], account_id)
    return Preferences(**dict(row)) if row else None


async def add_rate_limit_hits(conn: Conn, *, buckets: list[str], window_starts: list[datetime],
                              hits: list[int]) -> list[tuple[str, datetime, int]]:
    rows = await conn.fetch(Q["add_rate_limit_hits"], buckets, window_starts, hits)
    return [(r["bucket"], r["window_start"], r["hits"]) for r in rows]


async def list_featured_tag_suggestions(conn: Conn, *, account_id: int) -> list[tuple[int, str]]:
    rows = await conn.fetch(Q["list_featured_tag_suggestions"], account_id)
    return [(r["id"], r["name"]) for r in rows]


async def delete_unattached_media(conn: Conn, *, media_id: int,
                                  account_id: int) -> list[str | None] | None:
    """The deleted upload's file paths, or None when nothing was deleted."""
    row = await conn.fetchrow(Q["delete_unattached_media"], media_id, account_id)
    return [row["file_path"], row["preview_path"]] if row else None


async def card_exists(conn: Conn, *, url: str) -> bool:
    return bool(await conn.fetchval(Q["card_exists"], url))


async def list_link_timeline(conn: Conn, *, url: str, max_id: int | None, since_id: int | None,
                             min_id: int | None, limit: int) -> list[int]:
    """Newest first, whichever way the page was read."""
    rows = await conn.fetch(Q["list_link_timeline"], url, max_id, since_id, min_id, limit)
    ids = [r["id"] for r in rows]
    return ids[::-1] if min_id is not None else ids
