"""Asking for a remote post's card only when it has a link that could make one.

Local posts and edits reach `cards.fetch` through server/events.py. Remote posts arrive far
more often and are stored with no job at all (see bench/README.md), so they enqueue it
here, and only when their HTML holds a link other than mentions, hashtags and our own
pages: most posts then cost nothing more than a parse of their HTML.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from server import jobs
from server.cards.links import choose_link
from server.config import Config
from server.db import Conn

JOB_KIND = "cards.fetch"


def wants_card(content: str, config: Config) -> bool:
    """Whether this HTML holds a link a card could be made for."""
    if "<a" not in content:
        return False
    local_host = urlsplit(config.url("/")).hostname or config.domain
    return choose_link(content, mention_urls=(), local_host=local_host) is not None


async def fetch_card_later(conn: Conn, *, status_id: int, content: str, config: Config,
                           now: datetime) -> None:
    if wants_card(content, config):
        await jobs.enqueue(conn, JOB_KIND, {"status_id": status_id}, now=now)
