"""Search (/api/v2/search) and trends (/api/v1/trends/tags, /api/v1/trends/statuses).

Statuses are found by PostgreSQL full-text search over what the caller may find (see the
search_statuses query). `resolve=true` looks up a remote `@name@domain` or an actor URL over
the network first, outside any database transaction.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from aiohttp import web

from server.accounts.queries import Account
from server.api.auth import optional_token
from server.api.entities.accounts import render_accounts
from server.api.entities.statuses import render_statuses
from server.api.entities.tags import render_tags
from server.api.params import Params, read_params
from server.api.status_responses import caller_account
from server.api.statusviews import queries as views_q
from server.errors import CommonholdError, UnauthorizedError
from server.federation.activitypub import remote_actors
from server.federation.activitypub.fetch import fetch_object
from server.jobs.context import JobContext
from server.web.state import CLOCK, CONFIG, DB, HTTP

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
TRENDS_WINDOW = timedelta(days=7)
ACTOR_TYPES = ("Person", "Service", "Application", "Group", "Organization")


def _job_context(request: web.Request) -> JobContext:
    app = request.app
    return JobContext(db=app[DB], clock=app[CLOCK], config=app[CONFIG], http=app.get(HTTP))


async def _resolve(request: web.Request, q: str) -> Account | None:
    """A remote account named by address or URL, fetched when not known; None when it cannot
    be found (an unreachable server is simply no result, as in Mastodon)."""
    ctx = _job_context(request)
    try:
        if q.startswith(("https://", "http://")):
            fetched = await fetch_object(ctx, q)
            if fetched.data.get("type") in ACTOR_TYPES and isinstance(fetched.data.get("id"), str):
                return await remote_actors.get_or_fetch_actor(ctx, fetched.data["id"])
            return None
        if q.count("@") >= 1 and "." in q.rpartition("@")[2]:
            return await remote_actors.resolve_acct(ctx, q)
    except (CommonholdError, OSError, ValueError) as exc:
        log.info("search could not resolve %r: %s", q, exc)
    except Exception:  # a remote server's oddity must not fail the search
        log.exception("search could not resolve %r", q)
    return None


@routes.get("/api/v2/search")
async def search(request: web.Request) -> web.Response:
    token = await optional_token(request, "read:search")
    params = await read_params(request)
    q = (params.str("q", required=True, strip=True) or "")[:500]
    kind = params.str("type", strip=True)
    limit = min(params.int("limit", minimum=1) or 20, 40)
    offset = params.int("offset", minimum=0) or 0
    viewer_id = token.account_id if token else None
    if viewer_id is None and (offset or params.bool("resolve")):
        # Mastodon lets only signed-in users page through results or resolve remote ones.
        raise UnauthorizedError("Search queries pagination is not supported without authentication")
    resolved = None
    if params.bool("resolve") and kind in (None, "accounts") and offset == 0:
        resolved = await _resolve(request, q)
    config, now = request.app[CONFIG], request.app[CLOCK].now()
    body: dict[str, list[object]] = {"accounts": [], "statuses": [], "hashtags": []}
    async with request.app[DB].acquire() as conn:
        viewer = await caller_account(conn, token)
        if kind in (None, "accounts"):
            username, _, domain = q.lstrip("@").partition("@")
            ids = [resolved.id] if resolved else []
            ids += await views_q.search_accounts(
                conn, text=username, domain=(domain.lower() or None), viewer_id=viewer_id,
                following=bool(params.bool("following")), limit=limit, offset=offset)
            ids = list(dict.fromkeys(ids))[:limit]
            accounts = await render_accounts(conn, config, ids)
            body["accounts"] = [accounts[i] for i in ids if i in accounts]
        if kind in (None, "hashtags") and q.lstrip("#"):
            tags = await views_q.search_tags(conn, text=q.lstrip("#"), limit=limit, offset=offset)
            body["hashtags"] = list(await render_tags(conn, config, tags, now=now, viewer_id=viewer_id))
        if kind in (None, "statuses") and viewer is not None:
            ids = []
            if q.startswith(("https://", "http://")):
                found = await views_q.find_status_by_url(conn, url=q)
                ids = [found] if found else []
            if not ids:
                author = params.str("account_id", strip=True)
                ids = await views_q.search_statuses(
                    conn, text=q, viewer_id=viewer.id,
                    account_id=int(author) if author and author.isdigit() else None,
                    limit=limit, offset=offset)
            visible = await views_q.filter_visible(conn, status_ids=ids, viewer_id=viewer.id,
                                                   hide_muted=True, now=now)
            body["statuses"] = list(await render_statuses(
                conn, config, [i for i in ids if i in visible], viewer_id=viewer.id, now=now))
    return web.json_response(body)


def _paging(params: Params) -> tuple[int, int]:
    limit = min(params.int("limit", minimum=1) or 10, 20)
    offset = params.int("offset", minimum=0) or 0
    return limit, offset


@routes.get("/api/v1/trends/tags")
@routes.get("/api/v1/trends")
async def trends_tags(request: web.Request) -> web.Response:
    token = await optional_token(request, None)
    limit, offset = _paging(await read_params(request))
    now = request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        tags = await views_q.trending_tags(conn, since=now - TRENDS_WINDOW, limit=limit, offset=offset)
        body = await render_tags(conn, request.app[CONFIG], tags, now=now,
                                 viewer_id=token.account_id if token else None)
    return web.json_response(body)


@routes.get("/api/v1/trends/statuses")
async def trends_statuses(request: web.Request) -> web.Response:
    token = await optional_token(request, None)
    limit, offset = _paging(await read_params(request))
    now = request.app[CLOCK].now()
    viewer_id = token.account_id if token else None
    async with request.app[DB].acquire() as conn:
        ids = await views_q.trending_statuses(conn, since=now - TRENDS_WINDOW, limit=limit,
                                              offset=offset)
        visible = await views_q.filter_visible(conn, status_ids=ids, viewer_id=viewer_id,
                                               hide_muted=viewer_id is not None, now=now)
        body = await render_statuses(conn, request.app[CONFIG], [i for i in ids if i in visible],
                                     viewer_id=viewer_id, now=now)
    return web.json_response(body)
