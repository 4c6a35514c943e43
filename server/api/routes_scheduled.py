"""Scheduled statuses: list, show, move to another time (PUT scheduled_at) and cancel.
They are made by POST /api/v1/statuses with `scheduled_at`."""

from __future__ import annotations

from aiohttp import web

from server.api.auth import require_token
from server.api.entities.scheduled import render_scheduled
from server.api.pagination import page_params, paginate
from server.api.params import match_id, read_params
from server.api.status_params import read_scheduled_at
from server.statuses import queries, scheduled
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
ONE = r"/api/v1/scheduled_statuses/{id}"


@routes.get("/api/v1/scheduled_statuses")
async def scheduled_list(request: web.Request) -> web.Response:
    token = await require_token(request, "read:statuses")
    assert token.account_id is not None
    page = page_params(await read_params(request), default=20, maximum=40)
    config = request.app[CONFIG]
    async with request.app[DB].acquire() as conn:
        rows = await queries.page_scheduled_statuses(
            conn, account_id=token.account_id, max_id=page.max_id, since_id=page.since_id,
            min_id=page.min_id, limit=page.limit)
        body = await render_scheduled(conn, config, rows)
    response = web.json_response(body)
    paginate(response, request, config, page, [r["id"] for r in rows])
    return response


@routes.get(ONE)
async def scheduled_get(request: web.Request) -> web.Response:
    token = await require_token(request, "read:statuses")
    assert token.account_id is not None
    async with request.app[DB].acquire() as conn:
        row = await scheduled.get_own(conn, account_id=token.account_id,
                                      scheduled_id=match_id(request))
        [entity] = await render_scheduled(conn, request.app[CONFIG], [row])
    return web.json_response(entity)


@routes.put(ONE)
async def scheduled_update(request: web.Request) -> web.Response:
    token = await require_token(request, "write:statuses")
    assert token.account_id is not None
    scheduled_id = match_id(request)
    when = read_scheduled_at(await read_params(request))
    async with request.app[DB].transaction() as conn:
        if when is None:   # nothing to change: the status as it is
            row = await scheduled.get_own(conn, account_id=token.account_id,
                                          scheduled_id=scheduled_id)
        else:
            row = await scheduled.reschedule(conn, account_id=token.account_id,
                                             scheduled_id=scheduled_id, scheduled_at=when,
                                             now=request.app[CLOCK].now())
        [entity] = await render_scheduled(conn, request.app[CONFIG], [row])
    return web.json_response(entity)


@routes.delete(ONE)
async def scheduled_delete(request: web.Request) -> web.Response:
    token = await require_token(request, "write:statuses")
    assert token.account_id is not None
    async with request.app[DB].transaction() as conn:
        await scheduled.cancel(conn, account_id=token.account_id, scheduled_id=match_id(request))
    return web.json_response({})
