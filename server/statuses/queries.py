"""SQL for statuses, their mentions, tags, media, edits and favourites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.accounts.queries import Account
from server.db import Conn, load_queries
from server.statuses import quote_policy

Q = load_queries("server.statuses")


@dataclass(frozen=True, slots=True)
class Status:
    id: int
    account_id: int
    uri: str
    url: str | None
    local: bool
    in_reply_to_id: int | None
    in_reply_to_account_id: int | None
    in_reply_to_uri: str | None
    reblog_of_id: int | None
    conversation_id: int | None
    content: str
    text_source: str | None
    spoiler_text: str
    sensitive: bool
    visibility: str
    language: str | None
    application_id: int | None
    edited_at: datetime | None
    deleted_at: datetime | None
    created_at: datetime
    updated_at: datetime
    replies_count: int
    reblogs_count: int
    favourites_count: int
    quotes_count: int   # accepted quotes of it (migration 0094)
    quote_policy: int   # who may quote it (migration 0096, statuses.quote_policy)


@dataclass(frozen=True, slots=True)
class NewStatus:
    id: int
    account_id: int
    uri: str
    url: str | None
    local: bool
    content: str
    visibility: str
    created_at: datetime
    text_source: str | None = None
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None
    in_reply_to_id: int | None = None
    in_reply_to_account_id: int | None = None
    in_reply_to_uri: str | None = None
    reblog_of_id: int | None = None
    conversation_id: int | None = None
    application_id: int | None = None
    # Who may quote it (statuses.quote_policy); None: a member's post gets the default for
    # its visibility, a remote one none.
    quote_policy: int | None = None


def _status(row: Any) -> Status | None:
    return Status(**dict(row)) if row else None


async def insert_status(conn: Conn, s: NewStatus, *, now: datetime) -> int | None:
    """The new id, or None when a status with that URI already exists."""
    row = await insert_status_row(conn, s, now=now)
    return row.id if row else None


async def insert_status_row(conn: Conn, s: NewStatus, *, now: datetime) -> Status | None:
    """The new status as stored (no second round trip to read it back), or None when a
    status with that URI already exists."""
    return _status(await conn.fetchrow(
        Q["insert_status"], s.id, s.account_id, s.uri, s.url, s.local, s.in_reply_to_id,
        s.in_reply_to_account_id, s.in_reply_to_uri, s.reblog_of_id, s.conversation_id, s.content,
        s.text_source, s.spoiler_text, s.sensitive, s.visibility, s.language, s.application_id,
        s.created_at, now, _quote_policy(s)))


def _quote_policy(s: NewStatus) -> int:
    if not s.local:
        return s.quote_policy or 0
    return quote_policy.for_local_post(s.quote_policy, visibility=s.visibility,
                                       boost=s.reblog_of_id is not None)


async def set_quote_policy(conn: Conn, *, status_id: int, policy: int) -> Status | None:
    """The status with its new policy, or None when it had that policy already."""
    return _status(await conn.fetchrow(Q["set_quote_policy"], status_id, policy))


@dataclass(frozen=True, slots=True)
class PostingDefaults:
    visibility: str
    sensitive: bool
    language: str | None
    quote_policy: str = "public"


async def get_poster(conn: Conn, *, account_id: int) -> tuple[Account, PostingDefaults] | None:
    """The account and its user's posting preferences (public, not sensitive, no language
    when it has no user row)."""
    row = await conn.fetchrow(Q["get_poster"], account_id)
    if row is None:
        return None
    values = dict(row)
    privacy = values.pop("default_privacy")
    sensitive = values.pop("default_sensitive")
    language = values.pop("default_language")
    quoting = values.pop("default_quote_policy")
    return Account(**values), PostingDefaults(privacy or "public", bool(sensitive), language,
                                              quoting or "public")


async def get_status(conn: Conn, *, status_id: int) -> Status | None:
    return _status(await conn.fetchrow(Q["get_status"], status_id))


async def get_status_by_uri(conn: Conn, *, uri: str) -> Status | None:
    return _status(await conn.fetchrow(Q["get_status_by_uri"], uri))


async def get_statuses(conn: Conn, *, status_ids: list[int]) -> dict[int, Status]:
    return {r["id"]: Status(**dict(r)) for r in await conn.fetch(Q["get_statuses"], status_ids)}


async def get_reblog_by(conn: Conn, *, account_id: int, reblog_of_id: int) -> int | None:
    return await conn.fetchval(Q["get_reblog_by"], account_id, reblog_of_id)


async def mark_status_deleted(conn: Conn, *, status_id: int, now: datetime) -> bool:
    return await conn.fetchval(Q["mark_status_deleted"], status_id, now) is not None


async def mark_reblogs_deleted(conn: Conn, *, status_id: int, now: datetime) -> list[tuple[int, int]]:
    return [(r["id"], r["account_id"]) for r in await conn.fetch(Q["mark_reblogs_deleted"], status_id, now)]


async def update_status_content(conn: Conn, *, status_id: int, content: str, text_source: str | None,
                                spoiler_text: str, sensitive: bool, language: str | None,
                                edited_at: datetime) -> None:
    await conn.execute(Q["update_status_content"], status_id, content, text_source, spoiler_text,
                       sensitive, language, edited_at)


async def insert_status_edit(conn: Conn, *, edit_id: int, status: Status, media: list[dict[str, Any]],
                             poll_options: list[str] | None, created_at: datetime) -> None:
    await conn.execute(Q["insert_status_edit"], edit_id, status.id, status.account_id,
                       status.content, status.spoiler_text, status.sensitive, media, poll_options,
                       created_at)


async def list_status_edits(conn: Conn, *, status_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_status_edits"], status_id)]


async def insert_mentions(conn: Conn, *, status_id: int, account_ids: list[int], silent: bool = False) -> None:
    if account_ids:
        await conn.execute(Q["insert_mentions"], status_id, account_ids, silent)


async def delete_mentions(conn: Conn, *, status_id: int) -> None:
    await conn.execute(Q["delete_mentions"], status_id)


async def list_mentions(conn: Conn, *, status_ids: list[int]) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_mentions"], status_ids)]


async def list_mentioned_account_ids(conn: Conn, *, status_id: int) -> list[int]:
    return [r["account_id"] for r in await conn.fetch(Q["list_mentioned_account_ids"], status_id)]


async def upsert_tags(conn: Conn, *, ids: list[int], names: list[str], now: datetime) -> list[int]:
    if not names:
        return []
    rows = await conn.fetch(Q["upsert_tags"], ids, names, now)
    if len(rows) < len(names):
        # A concurrent transaction created one of them after our snapshot; it has committed
        # now (our INSERT waited for it), so a second run sees it.
        rows = await conn.fetch(Q["upsert_tags"], ids, names, now)
    return list(dict.fromkeys(r["id"] for r in rows))


async def tag_status(conn: Conn, *, status_id: int, ids: list[int], names: list[str],
                     now: datetime) -> None:
    """Attach these tags (created when new) to a status."""
    if not names:
        return
    found = await conn.fetchval(Q["tag_status"], status_id, ids, names, now)
    if found < len({n.lower() for n in names}):
        await conn.fetchval(Q["tag_status"], status_id, ids, names, now)  # see upsert_tags


async def insert_status_tags(conn: Conn, *, status_id: int, tag_ids: list[int]) -> None:
    if tag_ids:
        await conn.execute(Q["insert_status_tags"], status_id, tag_ids)


async def delete_status_tags(conn: Conn, *, status_id: int) -> None:
    await conn.execute(Q["delete_status_tags"], status_id)


async def list_status_tags(conn: Conn, *, status_ids: list[int]) -> list[tuple[int, str]]:
    return [(r["status_id"], r["name"]) for r in await conn.fetch(Q["list_status_tags"], status_ids)]


async def attach_media(conn: Conn, *, media_ids: list[int], account_id: int, status_id: int) -> list[int]:
    if not media_ids:
        return []
    return [r["id"] for r in await conn.fetch(Q["attach_media"], media_ids, account_id, status_id)]


async def insert_favourite(conn: Conn, *, favourite_id: int, account_id: int, status_id: int,
                           uri: str | None, now: datetime) -> bool:
    return await conn.fetchval(Q["insert_favourite"], favourite_id, account_id, status_id, uri, now) is not None


async def delete_favourite(conn: Conn, *, account_id: int, status_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["delete_favourite"], account_id, status_id)
    return dict(row) if row else None


async def get_favourite_by_uri(conn: Conn, *, uri: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_favourite_by_uri"], uri)
    return dict(row) if row else None


async def can_see_private(conn: Conn, *, viewer_id: int, author_id: int) -> bool:
    return bool(await conn.fetchval(Q["can_see_private"], viewer_id, author_id))


async def is_mentioned(conn: Conn, *, status_id: int, account_id: int) -> bool:
    return bool(await conn.fetchval(Q["is_mentioned"], status_id, account_id))


async def blocked_either_way(conn: Conn, *, a: int, b: int) -> bool:
    return bool(await conn.fetchval(Q["blocked_either_way"], a, b))


async def get_conversation_root(conn: Conn, *, status_id: int) -> int | None:
    return await conn.fetchval(Q["get_conversation_root"], status_id)


async def insert_poll(conn: Conn, *, poll_id: int, status_id: int, account_id: int, options: list[str],
                      multiple: bool, hide_totals: bool, expires_at: datetime, now: datetime) -> None:
    await conn.execute(Q["insert_poll"], poll_id, status_id, account_id, options, multiple,
                       hide_totals, expires_at, now)


async def detach_media_except(conn: Conn, *, status_id: int, keep_ids: list[int]) -> None:
    await conn.execute(Q["detach_media_except"], status_id, keep_ids)


async def get_status_poll(conn: Conn, *, status_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_status_poll"], status_id)
    return dict(row) if row else None


async def update_poll(conn: Conn, *, poll_id: int, options: list[str], multiple: bool,
                      hide_totals: bool, expires_at: datetime, now: datetime) -> None:
    await conn.execute(Q["update_poll"], poll_id, options, multiple, hide_totals, expires_at, now)


async def delete_poll_votes(conn: Conn, *, poll_id: int) -> None:
    await conn.execute(Q["delete_poll_votes"], poll_id)


async def delete_poll(conn: Conn, *, poll_id: int) -> None:
    await conn.execute(Q["delete_poll"], poll_id)


async def insert_bookmark(conn: Conn, *, bookmark_id: int, account_id: int, status_id: int,
                          now: datetime) -> None:
    await conn.execute(Q["insert_bookmark"], bookmark_id, account_id, status_id, now)


async def delete_bookmark(conn: Conn, *, account_id: int, status_id: int) -> None:
    await conn.execute(Q["delete_bookmark"], account_id, status_id)


async def insert_pin(conn: Conn, *, pin_id: int, account_id: int, status_id: int, now: datetime,
                     maximum: int) -> bool:
    return await conn.fetchval(Q["insert_pin"], pin_id, account_id, status_id, now, maximum) is not None


async def delete_pin(conn: Conn, *, account_id: int, status_id: int) -> None:
    await conn.execute(Q["delete_pin"], account_id, status_id)


async def insert_conversation_mute(conn: Conn, *, account_id: int, conversation_id: int) -> None:
    await conn.execute(Q["insert_conversation_mute"], account_id, conversation_id)


async def delete_conversation_mute(conn: Conn, *, account_id: int, conversation_id: int) -> None:
    await conn.execute(Q["delete_conversation_mute"], account_id, conversation_id)


async def get_idempotent_status(conn: Conn, *, account_id: int, key: str,
                                since: datetime) -> int | None:
    return await conn.fetchval(Q["get_idempotent_status"], account_id, key, since)


async def put_idempotency_key(conn: Conn, *, account_id: int, key: str, status_id: int,
                              now: datetime) -> None:
    await conn.execute(Q["put_idempotency_key"], account_id, key, status_id, now)


async def lock_idempotency_key(conn: Conn, *, lock_key: int) -> None:
    await conn.execute(Q["lock_idempotency_key"], lock_key)


async def insert_scheduled_status(conn: Conn, *, scheduled_id: int, account_id: int,
                                  scheduled_at: datetime, params: dict[str, Any],
                                  application_id: int | None, now: datetime) -> None:
    await conn.execute(Q["insert_scheduled_status"], scheduled_id, account_id, scheduled_at,
                       params, application_id, now)


async def take_scheduled_status(conn: Conn, *, scheduled_id: int,
                                now: datetime) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["take_scheduled_status"], scheduled_id, now)
    return dict(row) if row else None


async def page_scheduled_statuses(conn: Conn, *, account_id: int, max_id: int | None,
                                  since_id: int | None, min_id: int | None,
                                  limit: int) -> list[dict[str, Any]]:
    """Newest first, whichever way the cursor reads."""
    rows = [dict(r) for r in await conn.fetch(Q["page_scheduled_statuses"], account_id, max_id,
                                              since_id, min_id, limit)]
    return rows[::-1] if min_id is not None else rows


async def get_scheduled_status(conn: Conn, *, scheduled_id: int,
                               account_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_scheduled_status"], scheduled_id, account_id)
    return dict(row) if row else None


async def reschedule_status(conn: Conn, *, scheduled_id: int, account_id: int,
                            scheduled_at: datetime) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["reschedule_status"], scheduled_id, account_id, scheduled_at)
    return dict(row) if row else None


async def delete_scheduled_status(conn: Conn, *, scheduled_id: int, account_id: int) -> bool:
    return await conn.fetchval(Q["delete_scheduled_status"], scheduled_id, account_id) is not None


async def count_scheduled_statuses(conn: Conn, *, account_id: int, day_start: datetime,
                                   day_end: datetime) -> tuple[int, int]:
    row = await conn.fetchrow(Q["count_scheduled_statuses"], account_id, day_start, day_end)
    return int(row["total"]), int(row["on_day"])
