"""Direct-message conversations: GET /api/v1/conversations. Read state is not tracked yet,
so `unread` is always false."""

from __future__ import annotations

from aiohttp import web

from server.api.auth import require_token
from server.api.entities.accounts import render_accounts
from server.api.entities.statuses import render_statuses
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
        people = await views_q.list_conversation_participants(
            conn, conversation_ids=[c for c, _ in pairs])
        accounts = await render_accounts(conn, config, [a for _, a in people])
        statuses = {int(s["id"]): s for s in await render_statuses(
            conn, config, [s for _, s in pairs], viewer_id=token.account_id, now=now)}
    body = []
    for conversation_id, last_id in pairs:
        others = sorted({a for c, a in people if c == conversation_id and a != token.account_id})
        body.append({"id": str(conversation_id), "unread": False,
                     "accounts": [accounts[a] for a in others if a in accounts],
                     "last_status": statuses.get(last_id)})
    response = web.json_response(body)
    paginate(response, request, config, page, [s for _, s in pairs])
    return response
