"""GET /api/v1/trends/links (public, as Mastodon's)."""

from __future__ import annotations

from aiohttp import web

from server.api.params import read_params
from server.cards import trends
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


@routes.get("/api/v1/trends/links")
async def trending_links(request: web.Request) -> web.Response:
    params = await read_params(request)
    limit = min(params.int("limit", minimum=1) or 10, 20)
    offset = params.int("offset", minimum=0) or 0
    async with request.app[DB].acquire() as conn:
        body = await trends.trending_links(conn, request.app[CONFIG], limit=limit, offset=offset,
                                           now=request.app[CLOCK].now())
    return web.json_response(body)
