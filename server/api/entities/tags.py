"""Tag entities (Mastodon 4.3's REST::TagSerializer) with real daily history: uses and
distinct accounts per day for the last week, newest day first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.api.statusviews import queries as views_q
from server.config import Config
from server.db import Conn
from server.relations import queries as relations_q
from server.statuses import urls

HISTORY_DAYS = 7


async def render_tags(conn: Conn, config: Config, tags: list[tuple[int | None, str]], *,
                      now: datetime, viewer_id: int | None) -> list[dict[str, Any]]:
    """A tag id of None is a name nobody has used yet: it renders with an empty id (as
    Mastodon's does for a tag it has no row for), no history and not followed."""
    known = [t for t, _ in tags if t is not None]
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=HISTORY_DAYS - 1)
    counts: dict[tuple[int, datetime], tuple[int, int]] = {}
    followed: set[int] = set()
    if known:
        for row in await views_q.tag_history(conn, tag_ids=known, since=since):
            day = row["day"].replace(tzinfo=UTC)
            counts[(row["tag_id"], day)] = (row["uses"], row["accounts"])
        if viewer_id is not None:
            followed = await relations_q.followed_tag_ids(conn, account_id=viewer_id,
                                                          tag_ids=known)
    out = []
    for tag_id, name in tags:
        history = []
        for back in range(HISTORY_DAYS):
            day = today - timedelta(days=back)
            uses, accounts = counts.get((tag_id, day), (0, 0))
            history.append({"day": str(int(day.timestamp())), "uses": str(uses),
                            "accounts": str(accounts)})
        entity: dict[str, Any] = {"id": str(tag_id) if tag_id is not None else "", "name": name, "url": urls.tag_url(config, name),
                                  "history": history}
        if viewer_id is not None:
            entity["following"] = tag_id in followed
        out.append(entity)
    return out
