"""Search: accounts, hashtags and statuses a viewer may find, for the client API's
/api/v2/search and the web UI's /search page, so both find the same things.

Statuses are found by PostgreSQL full-text search over what the viewer may find (see the
search_statuses query). `resolve` looks up a remote `@name@domain`, or an actor's or post's
URL, over the network; callers run it before, and outside, any database transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.accounts.queries import Account
from server.api.entities.accounts import render_accounts
from server.api.entities.statuses import render_statuses
from server.api.entities.tags import render_tags
from server.api.statusviews import queries as views_q
from server.config import Config
from server.db import Conn
from server.errors import CommonholdError
from server.federation import uris
from server.federation.activitypub import remote_actors
from server.federation.activitypub.fetch import fetch_object
from server.federation.activitypub.inbox import posts
from server.federation.activitypub.parse import ACTOR_TYPES, NOTE_TYPES, parse_note
from server.jobs.context import JobContext
from server.statuses import queries as statuses_q
from server.statuses import remote

log = logging.getLogger(__name__)
KINDS = ("accounts", "hashtags", "statuses")
MAX_QUERY = 500


@dataclass(frozen=True)
class Query:
    q: str
    kind: str | None = None          # one of KINDS, or None for all three
    limit: int = 20
    offset: int = 0
    following: bool = False
    account_id: int | None = None    # statuses by this author only


@dataclass(frozen=True)
class Resolved:
    """What a resolving search fetched (or found already stored)."""

    account_id: int | None = None
    status_id: int | None = None


def wants(query: Query, kind: str) -> bool:
    return query.kind in (None, kind)


def looks_like_address(q: str) -> bool:
    return q.count("@") >= 1 and "." in q.rpartition("@")[2]


async def resolve(ctx: JobContext, query: Query) -> Resolved:
    """A remote account named by address or URL, or a remote post named by URL, fetched
    when not known. Nothing when it cannot be found: an unreachable server is simply no
    result, as in Mastodon."""
    q = query.q
    if query.kind == "hashtags":   # nothing to fetch for
        return Resolved()
    try:
        if q.startswith(("https://", "http://")):
            fetched = await fetch_object(ctx, q)
            kind, object_id = fetched.data.get("type"), fetched.data.get("id")
            if kind in ACTOR_TYPES and isinstance(object_id, str) and wants(query, "accounts"):
                account = await remote_actors.get_or_fetch_actor(ctx, object_id)
                return Resolved(account_id=account.id)
            if kind in NOTE_TYPES and wants(query, "statuses"):
                return Resolved(status_id=await _store_post(ctx, fetched.data, q))
        elif looks_like_address(q) and wants(query, "accounts"):
            return Resolved(account_id=(await remote_actors.resolve_acct(ctx, q)).id)
    except (CommonholdError, OSError, ValueError) as exc:
        log.info("search could not resolve %r: %s", q, exc)
    except Exception:  # a remote server's oddity must not fail the search
        log.exception("search could not resolve %r", q)
    return Resolved()


async def _store_post(ctx: JobContext, data: dict[str, Any], url: str) -> int | None:
    """A fetched post, stored as the inbox stores one. Its server speaks only for posts on
    its own host, written by its own actors."""
    note = parse_note(data, ctx.config, actor=None)
    if not uris.same_host(note.uri, url) or not uris.same_host(note.uri, note.author_uri):
        return None
    async with ctx.db.acquire() as conn:
        known = await statuses_q.get_status_by_uri(conn, uri=note.uri)
    if known is not None:
        return known.id
    author = await posts.author_of(ctx, note)
    await posts.resolve_mentions(ctx, note)
    async with ctx.db.transaction() as conn:
        stored = await remote.store_remote_status(conn, note=note, author=author,
                                                  config=ctx.config, now=ctx.clock.now())
        if stored is None:   # stored meanwhile by a delivery
            stored = await statuses_q.get_status_by_uri(conn, uri=note.uri)
    return stored.id if stored is not None else None


async def search(conn: Conn, *, config: Config, query: Query, viewer: Account | None,
                 resolved: Resolved, now: datetime) -> dict[str, list[Any]]:
    """The API's Search entity: accounts, statuses and hashtags (statuses only for a
    signed-in viewer, as Mastodon)."""
    q, limit, offset = query.q, query.limit, query.offset
    viewer_id = viewer.id if viewer else None
    body: dict[str, list[Any]] = {"accounts": [], "statuses": [], "hashtags": []}
    if wants(query, "accounts"):
        username, _, domain = q.lstrip("@").partition("@")
        ids = [resolved.account_id] if resolved.account_id else []
        ids += await views_q.search_accounts(
            conn, text=username, domain=(domain.lower() or None), viewer_id=viewer_id,
            following=query.following, limit=limit, offset=offset)
        ids = list(dict.fromkeys(ids))[:limit]
        accounts = await render_accounts(conn, config, ids)
        body["accounts"] = [accounts[i] for i in ids if i in accounts]
    if wants(query, "hashtags") and q.lstrip("#"):
        tags = await views_q.search_tags(conn, text=q.lstrip("#"), limit=limit, offset=offset)
        body["hashtags"] = list(await render_tags(conn, config, tags, now=now,
                                                  viewer_id=viewer_id))
    if wants(query, "statuses") and viewer is not None:
        ids = [resolved.status_id] if resolved.status_id else []
        if not ids and q.startswith(("https://", "http://")):
            found = await views_q.find_status_by_url(conn, url=q)
            ids = [found] if found else []
        if not ids:
            ids = await views_q.search_statuses(conn, text=q, viewer_id=viewer.id,
                                                account_id=query.account_id, limit=limit,
                                                offset=offset)
        visible = await views_q.filter_visible(conn, status_ids=ids, viewer_id=viewer.id,
                                               hide_muted=True, now=now)
        body["statuses"] = list(await render_statuses(
            conn, config, [i for i in ids if i in visible], viewer_id=viewer.id, now=now))
    return body
