"""Web Push subscriptions: /api/v1/push/subscription (one per access token)."""

from __future__ import annotations

from aiohttp import web

from server.api.auth import bearer_token, require_token
from server.api.params import Params, read_params
from server.errors import BadRequestError
from server.push import service
from server.push.entities import to_mastodon_push_subscription
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
SCOPE = "push"


def _data(params: Params) -> service.SubscriptionData:
    data = params.nested("data")
    return service.check_data(data.raw("alerts"), data.str("policy"))


@routes.post("/api/v1/push/subscription")
async def push_subscription_create(request: web.Request) -> web.Response:
    token = await require_token(request, SCOPE)
    params = await read_params(request)
    if not isinstance(params.raw("subscription"), dict):
        # Rails' params.require: a missing object is a malformed request, not a bad value.
        raise BadRequestError("Param is missing or the value is empty: subscription")
    sub = params.nested("subscription")
    keys = sub.nested("keys")
    new = service.check_subscription(
        endpoint=sub.str("endpoint", strip=True), p256dh=keys.str("p256dh", strip=True),
        auth=keys.str("auth", strip=True), standard=sub.bool("standard"), data=_data(params),
        allow_http=request.app[CONFIG].allow_http)
    assert token.user_id is not None and token.account_id is not None
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        created = await service.subscribe(
            conn, token_id=token.token_id, token=bearer_token(request) or "",
            user_id=token.user_id, account_id=token.account_id, new=new,
            secret=request.app[CONFIG].secret_key, now=now)
        key = await service.vapid_key(conn, now=now)
    return web.json_response(to_mastodon_push_subscription(created, server_key=key.public_key))


@routes.get("/api/v1/push/subscription")
async def push_subscription_get(request: web.Request) -> web.Response:
    token = await require_token(request, SCOPE)
    now = request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        found = await service.get_subscription(conn, token_id=token.token_id)
        key = await service.vapid_key(conn, now=now)
    return web.json_response(to_mastodon_push_subscription(found, server_key=key.public_key))


@routes.put("/api/v1/push/subscription")
async def push_subscription_update(request: web.Request) -> web.Response:
    token = await require_token(request, SCOPE)
    data = _data(await read_params(request))
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        updated = await service.update_subscription(conn, token_id=token.token_id, data=data,
                                                    now=now)
        key = await service.vapid_key(conn, now=now)
    return web.json_response(to_mastodon_push_subscription(updated, server_key=key.public_key))


@routes.delete("/api/v1/push/subscription")
async def push_subscription_delete(request: web.Request) -> web.Response:
    token = await require_token(request, SCOPE)
    async with request.app[DB].transaction() as conn:
        await service.unsubscribe(conn, token_id=token.token_id)
    return web.json_response({})
