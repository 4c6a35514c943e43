"""Tag entities (Mastodon 4.3's REST::TagSerializer) with real daily history: uses and
distinct accounts per day for the last week, newest day first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.api.statusviews import queries as views_q
from server.config import Config
from server.db import Conn
from server.statuses import urls

HISTORY_DAYS = 7


async def render_tags(conn: Conn, config: Config, tags: list[tuple[int, str]], *,
                      now: datetime, viewer_id: int | None) -> list[dict[str, Any]]:
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=HISTORY_DAYS - 1)
    counts: dict[tuple[int, datetime], tuple[int, int]] = {}
    if tags:
        for row in await views_q.tag_history(conn, tag_ids=[t for t, _ in tags], since=since):
            day = row["day"].replace(tzinfo=UTC)
            counts[(row["tag_id"], day)] = (row["uses"], row["accounts"])
    out = []
    for tag_id, name in tags:
        history = []
        for back in range(HISTORY_DAYS):
            day = today - timedelta(days=back)
            uses, accounts = counts.get((tag_id, day), (0, 0))
            history.append({"day": str(int(day.timestamp())), "uses": str(uses),
                            "accounts": str(accounts)})
        entity: dict[str, Any] = {"id": str(tag_id), "name": name, "url": urls.tag_url(config, name),
                                  "history": history}
        if viewer_id is not None:
            entity["following"] = False   # following hashtags is not offered yet
        out.append(entity)
    return out
