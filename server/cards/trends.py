"""Trending links: the cards most shared in public statuses of the last week.

Ranked by how many distinct accounts linked them (then by the latest share), with each
card's daily uses and sharers for the week, newest day first, as Trends::Link carries them.
Mastodon also has moderators review trending links; this server has no such review yet, so
only what its members and the accounts it knows actually shared is counted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.cards import queries as q
from server.cards.render import render_card
from server.config import Config
from server.db import Conn

HISTORY_DAYS = 7


async def trending_links(conn: Conn, config: Config, *, limit: int, offset: int,
                         now: datetime) -> list[dict[str, Any]]:
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=HISTORY_DAYS - 1)
    rows = await q.trending_links(conn, since=since, limit=limit, offset=offset)
    counts: dict[tuple[int, datetime], tuple[int, int]] = {}
    for row in await q.link_history(conn, card_ids=[r["id"] for r in rows], since=since):
        counts[(row["card_id"], row["day"].replace(tzinfo=UTC))] = (row["uses"], row["accounts"])
    out = []
    for row in rows:
        entity = render_card(row, config)
        entity["history"] = []
        for back in range(HISTORY_DAYS):
            day = today - timedelta(days=back)
            uses, accounts = counts.get((row["id"], day), (0, 0))
            entity["history"].append({"day": str(int(day.timestamp())), "accounts": str(accounts),
                                      "uses": str(uses)})
        out.append(entity)
    return out
