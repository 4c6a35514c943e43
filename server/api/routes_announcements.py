"""Announcements (/api/v1/announcements): the members' proposals, open and lately decided
(server/governance/announcements); dismissing one, and reacting to it with emoji."""

from __future__ import annotations

from aiohttp import web

from server.api.auth import require_token
from server.api.entities.announcements import render_announcement
from server.api.params import match_id, read_params
from server.governance.announcements import service
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
ONE = r"/api/v1/announcements/{id}"


@routes.get("/api/v1/announcements")
async def announcements_list(request: web.Request) -> web.Response:
    token = await require_token(request, "read")
    assert token.account_id is not None
    with_dismissed = (await read_params(request)).bool("with_dismissed") or False
    async with request.app[DB].acquire() as conn:
        found = await service.list_announcements(
            conn, request.app[CONFIG], viewer_id=token.account_id,
            now=request.app[CLOCK].now(), with_dismissed=with_dismissed)
    return web.json_response([render_announcement(a) for a in found])


@routes.post(ONE + "/dismiss")
async def announcements_dismiss(request: web.Request) -> web.Response:
    token = await require_token(request, "write:accounts")
    assert token.account_id is not None
    async with request.app[DB].transaction() as conn:
        await service.dismiss(conn, account_id=token.account_id,
                              announcement_id=match_id(request), now=request.app[CLOCK].now())
    return web.json_response({})


async def _react(request: web.Request, *, add: bool) -> web.Response:
    token = await require_token(request, "write:favourites")
    assert token.account_id is not None
    async with request.app[DB].transaction() as conn:
        await service.react(conn, account_id=token.account_id, announcement_id=match_id(request),
                            name=request.match_info["name"], now=request.app[CLOCK].now(),
                            add=add)
    return web.json_response({})


@routes.put(ONE + "/reactions/{name}")
async def announcements_react(request: web.Request) -> web.Response:
    return await _react(request, add=True)


@routes.delete(ONE + "/reactions/{name}")
async def announcements_unreact(request: web.Request) -> web.Response:
    return await _react(request, add=False)
