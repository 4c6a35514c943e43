"""Direct-message conversations: GET /api/v1/conversations, reading and removing one
(entities/conversations.py renders them; server/conversations keeps each one's state)."""

from __future__ import annotations

from aiohttp import web

from server.api.auth import require_token
from server.api.entities.conversations import render_conversations
from server.api.pagination import page_params, paginate
from server.api.params import match_id, read_params
from server.api.statusviews import queries as views_q
from server.conversations import service as conversations_service
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


@routes.get("/api/v1/conversations")
async def conversations(request: web.Request) -> web.Response:
    token = await require_token(request, "read:statuses")
    assert token.account_id is not None
    page = page_params(await read_params(request), default=20, maximum=40)
    config, now = request.app[CONFIG], request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        found = await views_q.list_conversations(
            conn, account_id=token.account_id, max_id=page.max_id, since_id=page.since_id,
            min_id=page.min_id, limit=page.limit)
        body = await render_conversations(conn, config, found, viewer_id=token.account_id,
                                          now=now)
    response = web.json_response(body)
    paginate(response, request, config, page, [c.last_status_id for c in found])
    return response


@routes.post(r"/api/v1/conversations/{id}/read")
async def conversations_read(request: web.Request) -> web.Response:
    token = await require_token(request, "write:conversations")
    assert token.account_id is not None
    config, now = request.app[CONFIG], request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        found = await conversations_service.mark_read(conn, account_id=token.account_id,
                                                      conversation_id=match_id(request))
        body = await render_conversations(conn, config, [found], viewer_id=token.account_id,
                                          now=now)
    return web.json_response(body[0])


@routes.delete(r"/api/v1/conversations/{id}")
async def conversations_remove(request: web.Request) -> web.Response:
    token = await require_token(request, "write:conversations")
    assert token.account_id is not None
    async with request.app[DB].transaction() as conn:
        await conversations_service.remove(conn, account_id=token.account_id,
                                           conversation_id=match_id(request))
    return web.json_response({})
