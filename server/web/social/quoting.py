"""Quotes on the web pages: each shown post that quotes another gets `quote` (as Mastodon's
Quote entity has it: `state`, and `quoted_status` when allowed and visible to the reader),
with one query for the page's quotes and one render of the quoted posts. The quoted post's
own quote is not shown (one level, as Mastodon's web shows it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.api.entities.statuses import render_statuses
from server.api.statusviews import queries as views_q
from server.config import Config
from server.db import Conn
from server.quotes import queries as quotes_q


async def attach_quotes(conn: Conn, config: Config, items: list[dict[str, Any]], *,
                        viewer_id: int | None, now: datetime) -> list[dict[str, Any]]:
    shown = {int(s["id"]): s for s in (item.get("reblog") or item for item in items)}
    if not shown:
        return items
    quotes = await quotes_q.list_quotes(conn, status_ids=list(shown))
    if not quotes:
        return items
    wanted = [q.quoted_status_id for q in quotes
              if q.state == quotes_q.ACCEPTED and q.quoted_status_id is not None]
    visible = await views_q.filter_visible(conn, status_ids=wanted, viewer_id=viewer_id,
                                           hide_muted=viewer_id is not None, now=now)
    quoted = {int(s["id"]): s for s in await render_statuses(
        conn, config, [i for i in wanted if i in visible], viewer_id=viewer_id, now=now)}
    for q in quotes:
        target = quoted.get(q.quoted_status_id) if q.state == quotes_q.ACCEPTED else None
        shown[q.status_id]["quote"] = {"state": q.state, "quoted_status": target,
                                       "url": q.quoted_uri}
    return items


async def render_with_quotes(conn: Conn, config: Config, status_ids: list[int], *,
                             viewer_id: int | None, now: datetime,
                             **options: Any) -> list[dict[str, Any]]:
    """render_statuses for a web page: the posts with what they quote."""
    items = await render_statuses(conn, config, status_ids, viewer_id=viewer_id, now=now,
                                  **options)
    return await attach_quotes(conn, config, items, viewer_id=viewer_id, now=now)
