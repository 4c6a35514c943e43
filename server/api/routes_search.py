"""Search (/api/v2/search) and trends (/api/v1/trends/tags, /api/v1/trends/statuses).

What search finds, and resolving remote accounts and posts, is server.search.service's (the
web UI's /search page asks it too); this route reads the parameters and answers JSON.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from server.api.auth import optional_token
from server.api.entities.statuses import render_statuses
from server.api.entities.tags import render_tags
from server.api.params import Params, read_params
from server.api.status_responses import caller_account
from server.api.statusviews import queries as views_q
from server.errors import UnauthorizedError
from server.jobs.context import JobContext
from server.search import service as search_service
from server.web.state import CLOCK, CONFIG, DB, HTTP

routes = web.RouteTableDef()
TRENDS_WINDOW = timedelta(days=7)


def job_context(request: web.Request) -> JobContext:
    app = request.app
    return JobContext(db=app[DB], clock=app[CLOCK], config=app[CONFIG], http=app.get(HTTP))


@routes.get("/api/v2/search")
async def search(request: web.Request) -> web.Response:
    token = await optional_token(request, "read:search")
    params = await read_params(request)
    author = params.str("account_id", strip=True)
    query = search_service.Query(
        q=(params.str("q", required=True, strip=True) or "")[:search_service.MAX_QUERY],
        kind=params.str("type", strip=True), limit=min(params.int("limit", minimum=1) or 20, 40),
        offset=params.int("offset", minimum=0) or 0, following=bool(params.bool("following")),
        account_id=int(author) if author and author.isdigit() else None)
    viewer_id = token.account_id if token else None
    if viewer_id is None and (query.offset or params.bool("resolve")):
        # Mastodon lets only signed-in users page through results or resolve remote ones.
        raise UnauthorizedError("Search queries pagination is not supported without authentication")
    resolved = search_service.Resolved()
    if params.bool("resolve") and query.offset == 0:
        resolved = await search_service.resolve(job_context(request), query)
    async with request.app[DB].acquire() as conn:
        viewer = await caller_account(conn, token)
        body = await search_service.search(conn, config=request.app[CONFIG], query=query,
                                           viewer=viewer, resolved=resolved,
                                           now=request.app[CLOCK].now())
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
