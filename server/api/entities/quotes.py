"""`quote` of a Status entity (Mastodon 4.5; quote_approval.py has `quote_approval`).

It is filled in after a page's entities are built, for the statuses that quote (like
cards): the Quote entity (`state`, and the quoted post rendered one level deep, its own quote
shallow) or, inside a quoted post, the ShallowQuote (`state`, `quoted_status_id`). The stored
state (server/quotes) is what the quoted author's side decided; an accepted quote is shown
to a reader as `deleted` when the quoted post is gone, `unauthorized` when the reader may not
see it, `blocked_domain`, `blocked_account` or `muted_account` when the reader keeps its
author away (the post itself is then only given when they may still see it), else
`accepted`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from server.api.statusviews import queries as views_q
from server.config import Config
from server.db import Conn
from server.quotes import queries as quotes_q

# States whose Quote names the quoted post (when the reader may see it).
_NAMING = ("accepted", "blocked_account", "blocked_domain", "muted_account")


def _state(quote: quotes_q.ReaderQuote, visible: bool) -> str:
    if quote.state != quotes_q.ACCEPTED:
        return quote.state
    if quote.quoted_status_id is None:
        return "deleted"
    if quote.own:
        return "accepted"
    if quote.blocked_domain:
        return "blocked_domain"
    if quote.blocked:
        return "blocked_account"
    if not visible:
        return "unauthorized"
    return "muted_account" if quote.muted else "accepted"


Render = Callable[..., Awaitable[list[dict[str, Any]]]]


async def attach_quotes(conn: Conn, config: Config, entities: Iterable[dict[str, Any]], *,
                        viewer_id: int | None, now: datetime, render: Render,
                        shallow: bool) -> None:
    """Fills `quote` in these entities (and in the statuses they boost) for the statuses that
    quote: a Quote, or with `shallow` a ShallowQuote. `render` is render_statuses."""
    shown: dict[int, dict[str, Any]] = {}
    for entity in entities:
        shown[int(entity["id"])] = entity
        if entity.get("reblog"):
            shown[int(entity["reblog"]["id"])] = entity["reblog"]
    if not shown:
        return
    quotes = await quotes_q.list_quotes_for_reader(conn, status_ids=list(shown),
                                                   reader_id=viewer_id, now=now)
    if not quotes:
        return
    # Visibility matters to accepted quotes only (_state): the others keep their stored state.
    live = [q.quoted_status_id for q in quotes
            if q.state == quotes_q.ACCEPTED and q.quoted_status_id is not None]
    visible = await views_q.filter_visible(conn, status_ids=live, viewer_id=viewer_id,
                                           hide_muted=False, now=now)
    states = {q.status_id: _state(q, q.quoted_status_id in visible) for q in quotes}
    if shallow:
        for q in quotes:
            state = states[q.status_id]
            named = state in _NAMING
            shown[q.status_id]["quote"] = {
                "state": state,
                "quoted_status_id": str(q.quoted_status_id) if named else None}
        return
    wanted = [q.quoted_status_id for q in quotes
              if states[q.status_id] in _NAMING and q.quoted_status_id in visible]
    rendered = {int(s["id"]): s for s in await render(
        conn, config, list(dict.fromkeys(wanted)), viewer_id=viewer_id, now=now,
        shallow_quotes=True)} if wanted else {}
    for q in quotes:
        state = states[q.status_id]
        shown[q.status_id]["quote"] = {
            "state": state,
            "quoted_status": rendered.get(q.quoted_status_id or 0) if state in _NAMING else None}
