"""/search: accounts, hashtags and posts, found by server.search.service as the API's
/api/v2/search finds them. For a signed-in member, `@name@domain` or a URL is looked up on
its server when not known here (the API's resolve=true); readers signed out search only
what is known, and find no posts, as in Mastodon."""

from __future__ import annotations

from aiohttp import web

from server.jobs.context import JobContext
from server.search import service as search
from server.web.html import render
from server.web.social.viewer import viewer_account
from server.web.state import CLOCK, CONFIG, DB, HTTP

routes = web.RouteTableDef()
LIMIT = 20
TABS = [("", "Everything"), ("accounts", "People"), ("hashtags", "Hashtags"),
        ("statuses", "Posts")]


def _offset(request: web.Request) -> int:
    raw = request.query.get("offset", "")
    return min(int(raw), 10_000) if raw.isdigit() else 0


@routes.get("/search")
async def get_search(request: web.Request) -> web.StreamResponse:
    viewer = await viewer_account(request)
    q = request.query.get("q", "").replace("\x00", "").strip()[:search.MAX_QUERY]
    kind = request.query.get("type", "")
    kind = kind if kind in search.KINDS else ""
    # Paging, like resolving, is for signed-in members only (as the API's search).
    offset = _offset(request) if viewer is not None and kind else 0
    results = None
    if q:
        query = search.Query(q=q, kind=kind or None, limit=LIMIT, offset=offset)
        resolved = search.Resolved()
        if viewer is not None and offset == 0 and (
                q.startswith(("https://", "http://")) or search.looks_like_address(q)):
            app = request.app
            ctx = JobContext(db=app[DB], clock=app[CLOCK], config=app[CONFIG],
                             http=app.get(HTTP))
            resolved = await search.resolve(ctx, query)
        async with request.app[DB].acquire() as conn:
            results = await search.search(conn, config=request.app[CONFIG], query=query,
                                          viewer=viewer, resolved=resolved,
                                          now=request.app[CLOCK].now())
    more = None
    if results is not None and kind and viewer is not None and len(results[kind]) >= LIMIT:
        more = offset + LIMIT
    return await render(request, "social/search.html", q=q, kind=kind, results=results,
                        tabs=TABS, more=more, here=request.path_qs)
