"""Timeline pages: /home (with the compose form), /public, /public/local, /tags/NAME and
/notifications. Each lists 20 and links to the older ones with max_id."""

from __future__ import annotations

import re

from aiohttp import web

from server.accounts.queries import Account
from server.errors import NotFoundError
from server.statuses import queries as statuses_q

from server.web.html import render
from server.web.social import reading
from server.web.social.viewer import max_id, members_page, viewer_account
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
_TAG = re.compile(r"\w{1,100}")
PUBLIC_TABS = [("/public", "All known servers"), ("/public/local", "This server")]


@routes.get("/home")
@members_page
async def get_home(request: web.Request, viewer: Account) -> web.StreamResponse:
    async with request.app[DB].acquire() as conn:
        page = await reading.home(conn, config=request.app[CONFIG], viewer_id=viewer.id,
                                  max_id=max_id(request), now=request.app[CLOCK].now())
        poster = await statuses_q.get_poster(conn, account_id=viewer.id)
    # The form starts from the member's default visibility and language (their preferences).
    draft = {"next": "/home"}
    if poster is not None:
        draft.update(visibility=poster[1].visibility, language=poster[1].language or "")
    return await render(request, "social/home.html", page=page, here=request.path_qs,
                        draft=draft, error=None)


async def _public(request: web.Request, *, local_only: bool) -> web.Response:
    # Readable signed out, as the API's public timeline is.
    viewer = await viewer_account(request)
    async with request.app[DB].acquire() as conn:
        page = await reading.public(conn, config=request.app[CONFIG],
                                    viewer_id=viewer.id if viewer else None,
                                    local_only=local_only, max_id=max_id(request),
                                    now=request.app[CLOCK].now())
    heading = "Public posts from this server" if local_only else "Public posts"
    return await render(request, "social/timeline.html", page=page, heading=heading,
                        path=request.path, here=request.path_qs, tabs=PUBLIC_TABS)


@routes.get("/public")
async def get_public(request: web.Request) -> web.Response:
    return await _public(request, local_only=False)


@routes.get("/public/local")
async def get_public_local(request: web.Request) -> web.Response:
    return await _public(request, local_only=True)


@routes.get("/tags/{name}")
async def get_tag(request: web.Request) -> web.Response:
    name = request.match_info["name"].lstrip("#")
    if not _TAG.fullmatch(name):   # no post can carry it (and NUL would upset PostgreSQL)
        raise NotFoundError("There is no such hashtag.")
    viewer = await viewer_account(request)
    async with request.app[DB].acquire() as conn:
        page = await reading.tag(conn, config=request.app[CONFIG],
                                 viewer_id=viewer.id if viewer else None, name=name,
                                 max_id=max_id(request), now=request.app[CLOCK].now())
    return await render(request, "social/timeline.html", page=page, heading=f"#{name}",
                        path=request.path, here=request.path_qs, tabs=[])


@routes.get("/notifications")
@members_page
async def get_notifications(request: web.Request, viewer: Account) -> web.StreamResponse:
    async with request.app[DB].acquire() as conn:
        page = await reading.notifications(conn, config=request.app[CONFIG],
                                           viewer_id=viewer.id, max_id=max_id(request),
                                           now=request.app[CLOCK].now())
    return await render(request, "social/notifications.html", page=page, here=request.path_qs)
