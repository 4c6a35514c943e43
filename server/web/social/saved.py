"""The signed-in member's own lists: /bookmarks and /favourites, newest first, 20 a page
with an "Older" link, read as the API's /api/v1/bookmarks and /api/v1/favourites read them
(paged by when they were saved, posts the member may no longer see left out)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from server.api.entities.statuses import render_statuses
from server.api.statusviews import queries as views_q
from server.timeline import queries as timeline_q
from server.web.html import render
from server.web.social.reading import PAGE, Page
from server.web.social.viewer import max_id, sign_in_first, viewer_account
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
Lister = Callable[..., Awaitable[list[tuple[int, int]]]]


async def _saved(request: web.Request, lister: Lister, heading: str,
                 empty: str) -> web.StreamResponse:
    viewer = await viewer_account(request)
    if viewer is None:
        return sign_in_first(request)
    now = request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        pairs = await lister(conn, account_id=viewer.id, max_id=max_id(request), since_id=None,
                             min_id=None, limit=PAGE)
        ids = [s for _, s in pairs]
        shown = await views_q.filter_visible(conn, status_ids=ids, viewer_id=viewer.id,
                                             hide_muted=False, now=now)
        items = await render_statuses(conn, request.app[CONFIG], [i for i in ids if i in shown],
                                      viewer_id=viewer.id, now=now)
    # The cursor is the bookmark's (or favourite's) id, as the API's Link header gives it.
    page = Page(items, pairs[-1][0] if len(pairs) >= PAGE else None)
    return await render(request, "social/timeline.html", page=page, heading=heading,
                        path=request.path, here=request.path_qs, tabs=[], empty=empty)


@routes.get("/bookmarks")
async def get_bookmarks(request: web.Request) -> web.StreamResponse:
    return await _saved(request, timeline_q.list_bookmarks, "Bookmarks",
                        "No bookmarks yet. Bookmark a post to find it here again.")


@routes.get("/favourites")
async def get_favourites(request: web.Request) -> web.StreamResponse:
    return await _saved(request, timeline_q.list_favourites, "Favourites",
                        "No favourites yet.")
