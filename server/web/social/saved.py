"""The signed-in member's own lists: /bookmarks and /favourites, newest first, 20 a page
with an "Older" link, read as the API's /api/v1/bookmarks and /api/v1/favourites read them
(paged by when they were saved, posts the member may no longer see left out)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from server.accounts.queries import Account
from server.api.statusviews import queries as views_q
from server.timeline import queries as timeline_q
from server.web.html import render
from server.web.social.quoting import render_with_quotes
from server.web.social.reading import PAGE, Page
from server.web.social.viewer import max_id, members_page
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
Lister = Callable[..., Awaitable[list[tuple[int, int]]]]


async def _saved(request: web.Request, viewer: Account, lister: Lister, heading: str,
                 empty: str) -> web.StreamResponse:
    now = request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        pairs = await lister(conn, account_id=viewer.id, max_id=max_id(request), since_id=None,
                             min_id=None, limit=PAGE)
        ids = [s for _, s in pairs]
        shown = await views_q.filter_visible(conn, status_ids=ids, viewer_id=viewer.id,
                                             hide_muted=False, now=now)
        items = await render_with_quotes(conn, request.app[CONFIG], [i for i in ids if i in shown],
                                      viewer_id=viewer.id, now=now)
    # The cursor is the bookmark's (or favourite's) id, as the API's Link header gives it.
    page = Page(items, pairs[-1][0] if len(pairs) >= PAGE else None)
    return await render(request, "social/timeline.html", page=page, heading=heading,
                        path=request.path, here=request.path_qs, tabs=[], empty=empty)


@routes.get("/bookmarks")
@members_page
async def get_bookmarks(request: web.Request, viewer: Account) -> web.StreamResponse:
    return await _saved(request, viewer, timeline_q.list_bookmarks, "Bookmarks",
                        "No bookmarks yet. Bookmark a post to find it here again.")


@routes.get("/favourites")
@members_page
async def get_favourites(request: web.Request, viewer: Account) -> web.StreamResponse:
    return await _saved(request, viewer, timeline_q.list_favourites, "Favourites",
                        "No favourites yet.")
