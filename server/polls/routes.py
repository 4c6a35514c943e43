"""`GET /api/v1/polls/:id` and `POST /api/v1/polls/:id/votes`."""

from __future__ import annotations

from aiohttp import web

from server.accounts import queries as accounts_q
from server.api.auth import optional_token, require_token
from server.api.params import match_id, read_params
from server.polls import queries, service
from server.web.state import CLOCK, DB

routes = web.RouteTableDef()


@routes.get(r"/api/v1/polls/{id}")
async def get_poll(request: web.Request) -> web.Response:
    token = await optional_token(request, "read:statuses")
    poll_id = match_id(request)
    viewer_id = token.account_id if token else None
    now = request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        viewer = await accounts_q.get_account(conn, account_id=viewer_id) if viewer_id else None
        poll = await service.access_poll(conn, poll_id=poll_id, viewer=viewer)
        entity = await service.render_poll(conn, poll, viewer_id=viewer_id, now=now)
    return web.json_response(entity)


@routes.post(r"/api/v1/polls/{id}/votes")
async def post_votes(request: web.Request) -> web.Response:
    token = await require_token(request, "write:statuses")
    assert token.account_id is not None
    poll_id = match_id(request)
    choices = (await read_params(request)).list("choices")
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        voter = await accounts_q.get_account(conn, account_id=token.account_id)
        assert voter is not None
        await service.vote(conn, poll_id=poll_id, voter=voter, choices=choices, now=now)
    async with request.app[DB].acquire() as conn:
        poll = await queries.get_poll(conn, poll_id=poll_id)
        assert poll is not None
        entity = await service.render_poll(conn, poll, viewer_id=voter.id, now=now)
    return web.json_response(entity)
