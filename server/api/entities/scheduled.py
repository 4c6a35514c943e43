"""The ScheduledStatus entity: a status waiting for its time, with the parameters it will be
posted with (as the client sent them, media ids as strings) and its attachments."""

from __future__ import annotations

from typing import Any

from server.api.entities.common import iso
from server.api.entities.media import to_mastodon_media
from server.config import Config
from server.db import Conn
from server.media import queries as media_q


def _params(params: dict[str, Any], application_id: int | None) -> dict[str, Any]:
    poll = params.get("poll")
    return {
        "text": params["text"],
        "poll": {**poll, "expires_in": int(poll["expires_in"])} if poll else None,
        "media_ids": [str(i) for i in params["media_ids"]] or None,
        "sensitive": params["sensitive"],
        "spoiler_text": params["spoiler_text"] or None,
        "visibility": params["visibility"],
        "scheduled_at": None,   # the status is scheduled once; its time is the entity's
        "in_reply_to_id": params["in_reply_to_id"],
        "language": params["language"],
        # kept by Mastodon's clients' expectations only; no client reads it
        "application_id": application_id or 0,
        "with_rate_limit": False,
        "idempotency": None,
    }


async def render_scheduled(conn: Conn, config: Config,
                           rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entities for scheduled statuses (rows of scheduled_statuses), their media loaded
    with one query."""
    wanted = [int(i) for row in rows for i in row["params"]["media_ids"]]
    found = await media_q.list_media_by_ids(conn, media_ids=wanted) if wanted else []
    media = {(m.account_id, m.id): m for m in found}   # only the author's own are shown
    return [{
        "id": str(row["id"]),
        "scheduled_at": iso(row["scheduled_at"]),
        "params": _params(row["params"], row.get("application_id")),
        "media_attachments": [to_mastodon_media(media[(row["account_id"], int(i))], config)
                              for i in row["params"]["media_ids"]
                              if (row["account_id"], int(i)) in media],
    } for row in rows]
