"""Accounts featured on a profile ("endorsements").

Mastodon 4.3 clients call POST /api/v1/accounts/:id/pin and /unpin (routes_relations.py);
4.4 renamed them /endorse and /unendorse and added GET /api/v1/accounts/:id/endorsements, the
public list of whom an account features. Both names act on the same account_pins rows, so a
client of either version sees the other's changes.
"""

from __future__ import annotations

from aiohttp import web

from server.api.auth import optional_token, require_token
from server.api.pagination import page_params
from server.api.params import match_id, read_params
# Reused as they are: endorsing is one more account action, the list one more account page.
from server.api.routes_collections import _accounts_page
from server.api.routes_relations import ACTIONS, _act
from server.follows import service as follows
from server.web.state import DB

routes = web.RouteTableDef()


@routes.post(r"/api/v1/accounts/{id}/endorse")
async def accounts_endorse(request: web.Request) -> web.Response:
    scope, action = ACTIONS["pin"]
    return await _act(request, scope, action)


@routes.post(r"/api/v1/accounts/{id}/unendorse")
async def accounts_unendorse(request: web.Request) -> web.Response:
    scope, action = ACTIONS["unpin"]
    return await _act(request, scope, action)


@routes.get(r"/api/v1/accounts/{id}/endorsements")
async def account_endorsements(request: web.Request) -> web.Response:
    """Public like the profile it decorates; a suspended account features no one (404)."""
    await optional_token(request, "read:accounts")
    target_id = match_id(request)
    page = page_params(await read_params(request), default=40, maximum=80)
    async with request.app[DB].acquire() as conn:
        await follows.get_account_or_404(conn, target_id)
    return await _accounts_page(request, "page_endorsements", target_id, page)


@routes.get(r"/api/v1/accounts/{id}/identity_proofs")
async def account_identity_proofs(request: web.Request) -> web.Response:
    """Identity proofs, the other thing a profile once showed, are gone from Mastodon since
    3.5; the endpoint stays for older clients and lists none. Signed-in callers only, as
    there."""
    await require_token(request, None)
    async with request.app[DB].acquire() as conn:
        await follows.get_account_or_404(conn, match_id(request))
    return web.json_response([])
