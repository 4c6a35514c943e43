"""Publishing stream events. Called inside the transaction that made the change, so the
NOTIFY goes out on commit and never for a rolled-back change.

A payload names what happened and where, never who may see it: each web process decides
that for its own connected clients (see hub.py), which keeps one NOTIFY per event even
when ten thousand home feeds received the status.
"""

from __future__ import annotations

import json
from typing import Any

from server.db import Conn
from server.streaming import queries

CHANNEL = "commonhold_stream"


async def _notify(conn: Conn, payload: dict[str, Any]) -> None:
    await queries.notify_stream(conn, channel=CHANNEL, payload=json.dumps(payload, separators=(",", ":")))


def public_streams(facts: dict[str, Any]) -> list[str]:
    """The public and hashtag streams a status appears on (Mastodon's rules: public posts
    only, no boosts, and no replies to other people on the public streams)."""
    if facts["visibility"] != "public" or facts["reblog_of_id"] is not None:
        return []
    streams: list[str] = []
    if not facts["reply_to_other"]:
        where = "local" if facts["local"] else "remote"
        streams += ["public", f"public:{where}"]
        if facts["has_media"]:
            streams += ["public:media", f"public:{where}:media"]
    for tag in facts["tags"]:
        streams.append(f"hashtag:{tag}")
        if facts["local"]:
            streams.append(f"hashtag:local:{tag}")
    return streams


async def status_published(conn: Conn, *, status_id: int, streams: list[str], home: bool) -> None:
    """A new status (or boost): to the public/hashtag/list streams named, and to the home
    streams of whoever has it in their feed when `home`."""
    await _notify(conn, {"e": "update", "s": status_id, "t": streams, "h": home})


async def status_updated(conn: Conn, *, status_id: int) -> None:
    await _notify(conn, {"e": "status.update", "s": status_id})


async def status_deleted(conn: Conn, *, status_id: int) -> None:
    await _notify(conn, {"e": "delete", "s": status_id})


async def notification_created(conn: Conn, *, account_id: int, notification_id: int) -> None:
    await _notify(conn, {"e": "notification", "a": account_id, "n": notification_id})


async def filters_changed(conn: Conn, *, account_id: int) -> None:
    await _notify(conn, {"e": "filters_changed", "a": account_id})


async def conversation_updated(conn: Conn, *, account_id: int, status_id: int) -> None:
    await _notify(conn, {"e": "conversation", "a": account_id, "s": status_id})


async def announcement_changed(conn: Conn, *, announcement_id: int) -> None:
    await _notify(conn, {"e": "announcement", "s": announcement_id})


async def announcement_reaction(conn: Conn, *, announcement_id: int, name: str, count: int) -> None:
    await _notify(conn, {"e": "announcement.reaction", "s": announcement_id, "name": name,
                         "count": count})


async def announcement_deleted(conn: Conn, *, announcement_id: int) -> None:
    await _notify(conn, {"e": "announcement.delete", "s": announcement_id})
