"""Which statuses a thread shows around one status, for the API's context and the thread page."""

from __future__ import annotations

from datetime import datetime

from server.api.statusviews import queries as views_q
from server.db import Conn
from server.statuses.threads import thread_order


async def context_ids(conn: Conn, *, status_id: int, viewer_id: int | None, now: datetime,
                      ancestors: int, descendants: int) -> tuple[list[int], list[int]]:
    """The ancestors (oldest first) and the replies (thread order) the viewer may see, at
    most `ancestors` and `descendants` of each; muted authors are left out for a signed-in
    viewer, as Mastodon does."""
    above = list(reversed(await views_q.list_ancestors(conn, status_id=status_id,
                                                       limit=ancestors)))
    pairs = await views_q.list_descendants(conn, status_id=status_id, limit=descendants)
    visible = await views_q.filter_visible(conn, status_ids=above + [i for i, _ in pairs],
                                           viewer_id=viewer_id, hide_muted=viewer_id is not None,
                                           now=now)
    return [i for i in above if i in visible], thread_order(status_id, pairs, visible)
