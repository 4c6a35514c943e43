"""Direct-message conversations: GET /api/v1/conversations (entities/conversations.py)."""

from __future__ import annotations

from aiohttp import web

from server.api.auth import require_token
from server.api.entities.conversations import render_conversations
from server.api.pagination import page_params, paginate
from server.api.params import read_params
from server.api.statusviews import queries as views_q
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


@routes.get("/api/v1/conversations")
async def conversations(request: web.Request) -> web.Response:
    token = await require_token(request, "read:statuses")
    assert token.account_id is not None
    page = page_params(await read_params(request), default=20, maximum=40)
    config, now = request.app[CONFIG], request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        pairs = await views_q.list_conversations(
            conn, account_id=token.account_id, max_id=page.max_id, since_id=page.since_id,
            min_id=page.min_id, limit=page.limit)
        body = await render_conversations(conn, config, pairs, viewer_id=token.account_id,
                                          now=now)
    response = web.json_response(body)
    paginate(response, request, config, page, [s for _, s in pairs])
    return response
