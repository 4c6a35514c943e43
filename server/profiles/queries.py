"""SQL for editing a local profile and its posting defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.profiles")


@dataclass(frozen=True, slots=True)
class Profile:
    id: int
    display_name: str
    note: str
    note_source: str | None
    fields: list[dict[str, Any]]
    fields_source: list[dict[str, str]] | None
    locked: bool
    bot: bool
    discoverable: bool
    indexable: bool
    avatar_path: str | None
    header_path: str | None
    user_id: int
    default_privacy: str
    default_sensitive: bool
    default_language: str | None
    hide_collections: bool
    default_quote_policy: str


async def get_profile_for_update(conn: Conn, *, account_id: int) -> Profile | None:
    row = await conn.fetchrow(Q["get_profile_for_update"], account_id)
    return Profile(**dict(row)) if row else None


async def update_account_profile(conn: Conn, profile: Profile, *, now: datetime) -> None:
    p = profile
    await conn.execute(Q["update_account_profile"], p.id, p.display_name, p.note, p.note_source,
                       p.fields, p.fields_source, p.locked, p.bot, p.discoverable, p.indexable,
                       p.avatar_path, p.header_path, now)


async def update_user_settings(conn: Conn, profile: Profile) -> None:
    p = profile
    await conn.execute(Q["update_user_settings"], p.user_id, p.default_privacy,
                       p.default_sensitive, p.default_language, p.hide_collections,
                       p.default_quote_policy)


async def list_local_accounts_by_username(conn: Conn, *, usernames: list[str]) -> dict[str, str]:
    rows = await conn.fetch(Q["list_local_accounts_by_username"], usernames)
    return {r["username"].lower(): r["url"] for r in rows}
