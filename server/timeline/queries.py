"""SQL for home feeds and the public, local and hashtag timelines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.db import Conn, load_queries
from server.statuses.queries import Status

Q = load_queries("server.timeline")


async def fanout_statuses(conn: Conn, *, status_ids: list[int],
                          now: datetime) -> tuple[list[tuple[int, int]], dict[int, list[int]]]:
    """Fill the home feeds with several new statuses; return (status id, follower to
    notify) pairs and the lists showing each status."""
    bells: list[tuple[int, int]] = []
    lists: dict[int, list[int]] = {}
    for r in await conn.fetch(Q["fanout_statuses"], status_ids, now):
        if r["kind"] == "bell":
            bells.append((r["status_id"], r["id"]))
        else:
            lists.setdefault(r["status_id"], []).append(r["id"])
    return bells, lists


STREAM_FACTS = ("visibility", "local", "reblog_of_id", "reply_to_other", "has_media", "tags")


async def get_status_to_fan_out(conn: Conn, *, status_id: int) -> tuple[Status, dict[str, Any]] | None:
    """The status and its stream facts (as streaming.queries.get_stream_facts gives them);
    the rest of the transaction commits without waiting for the WAL flush, as with
    synchronous_commit off (see fanout.fanout_status for why that is safe), and reuses the
    session's plans (plan_cache_mode force_generic_plan)."""
    row = await conn.fetchrow(Q["get_status_to_fan_out"], status_id)
    if row is None:
        return None
    values = dict(row)
    facts = {key: values[key] for key in STREAM_FACTS}
    for key in ("no_flush", "one_plan", "reply_to_other", "has_media", "tags"):
        del values[key]
    return Status(**values), facts


async def plan_once(conn: Conn) -> None:
    """The session's one plan of each statement for the rest of the transaction (see the
    query), as the fan-out job has it."""
    await conn.execute(Q["plan_once"])


async def remove_status_from_feeds(conn: Conn, *, status_id: int) -> None:
    await conn.execute(Q["remove_status_from_feeds"], status_id)


async def backfill_home_feed(conn: Conn, *, follower_id: int, followed_id: int, limit: int) -> None:
    await conn.execute(Q["backfill_home_feed"], follower_id, followed_id, limit)


async def remove_tag_from_feed(conn: Conn, *, owner_id: int, tag_id: int) -> None:
    await conn.execute(Q["remove_tag_from_feed"], owner_id, tag_id)


async def remove_author_from_feed(conn: Conn, *, owner_id: int, author_id: int) -> None:
    await conn.execute(Q["remove_author_from_feed"], owner_id, author_id)


async def trim_home_feeds(conn: Conn, *, keep: int, account_id: int | None = None) -> int:
    status = await conn.execute(Q["trim_home_feeds"], keep, account_id)
    return int(status.split()[-1])


async def list_home_timeline(conn: Conn, *, account_id: int, max_id: int | None, since_id: int | None,
                             min_id: int | None, limit: int, now: datetime) -> list[int]:
    if min_id is not None:
        rows = await conn.fetch(Q["list_home_timeline_after"], account_id, min_id, max_id, limit, now)
        return [r["status_id"] for r in reversed(rows)]
    rows = await conn.fetch(Q["list_home_timeline"], account_id, max_id, since_id, limit, now)
    return [r["status_id"] for r in rows]


async def list_public_timeline(conn: Conn, *, local_only: bool, remote_only: bool, only_media: bool,
                               max_id: int | None, since_id: int | None, min_id: int | None,
                               limit: int) -> list[int]:
    if min_id is not None:
        rows = await conn.fetch(Q["list_public_timeline_after"], local_only, remote_only, only_media,
                                min_id, max_id, limit)
        return [r["id"] for r in reversed(rows)]
    rows = await conn.fetch(Q["list_public_timeline"], local_only, remote_only, only_media, max_id,
                            since_id, limit)
    return [r["id"] for r in rows]


async def list_tag_timeline(conn: Conn, *, any_: list[str], all_: list[str], none: list[str],
                            local_only: bool, only_media: bool, max_id: int | None,
                            since_id: int | None, min_id: int | None, limit: int) -> list[int]:
    rows = await conn.fetch(Q["list_tag_timeline"], [n.lower() for n in any_],
                            [n.lower() for n in all_], [n.lower() for n in none], local_only,
                            only_media, max_id, since_id, min_id, limit)
    return _newest_first([r["id"] for r in rows], min_id)


def _newest_first(ids: list[int], min_id: int | None) -> list[int]:
    """A min_id page is read upwards from min_id, then shown newest first."""
    return list(reversed(ids)) if min_id is not None else ids


async def list_account_statuses(conn: Conn, *, account_id: int, viewer_id: int | None,
                                only_media: bool, exclude_replies: bool, exclude_reblogs: bool,
                                pinned: bool, tagged: str | None, max_id: int | None,
                                since_id: int | None, min_id: int | None, limit: int) -> list[int]:
    rows = await conn.fetch(Q["list_account_statuses"], account_id, viewer_id, only_media,
                            exclude_replies, exclude_reblogs, pinned,
                            tagged.lower() if tagged else None, max_id, since_id, min_id, limit)
    return _newest_first([r["id"] for r in rows], min_id)


async def _paged(conn: Conn, name: str, account_id: int, max_id: int | None, since_id: int | None,
                 min_id: int | None, limit: int) -> list[tuple[int, int]]:
    rows = await conn.fetch(Q[name], account_id, max_id, since_id, min_id, limit)
    pairs = [(r["page_id"], r["status_id"]) for r in rows]
    return list(reversed(pairs)) if min_id is not None else pairs


async def list_bookmarks(conn: Conn, *, account_id: int, max_id: int | None, since_id: int | None,
                         min_id: int | None, limit: int) -> list[tuple[int, int]]:
    """(bookmark id, status id) pairs, newest first."""
    return await _paged(conn, "list_bookmarks", account_id, max_id, since_id, min_id, limit)


async def list_favourites(conn: Conn, *, account_id: int, max_id: int | None, since_id: int | None,
                          min_id: int | None, limit: int) -> list[tuple[int, int]]:
    """(favourite id, status id) pairs, newest first."""
    return await _paged(conn, "list_favourites", account_id, max_id, since_id, min_id, limit)

