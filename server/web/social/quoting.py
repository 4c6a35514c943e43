"""Quotes on the web pages: the status entities carry `quote` as the client API gives it
(entities.quotes: `state`, and the quoted post when the reader may see it, one level deep);
a page adds where the quoted post was posted (`url`), for the link shown when it is not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.api.entities.statuses import render_statuses
from server.config import Config
from server.db import Conn
from server.quotes import queries as quotes_q


async def render_with_quotes(conn: Conn, config: Config, status_ids: list[int], *,
                             viewer_id: int | None, now: datetime,
                             **options: Any) -> list[dict[str, Any]]:
    """render_statuses for a web page: the posts with what they quote and where it is."""
    items = await render_statuses(conn, config, status_ids, viewer_id=viewer_id, now=now,
                                  **options)
    quoting = {int(s["id"]): s for s in (item.get("reblog") or item for item in items)
               if s.get("quote")}
    if quoting:
        for q in await quotes_q.list_quotes(conn, status_ids=list(quoting)):
            quoting[q.status_id]["quote"]["url"] = q.quoted_uri
    return items
