"""Client applications: /api/v1/apps."""

from __future__ import annotations

from aiohttp import web

from server.api.auth import require_token
from server.api.entities.apps import to_mastodon_application, to_mastodon_credential_application
from server.api.params import read_params
from server.errors import ValidationError
from server.oauth import service
from server.push import service as push_service
from server.web.state import CLOCK, DB

routes = web.RouteTableDef()


@routes.post("/api/v1/apps")
async def apps_create(request: web.Request) -> web.Response:
    params = await read_params(request)
    redirect_uris = params.raw("redirect_uris")
    if isinstance(redirect_uris, list) or redirect_uris is None:
        redirect_uris = params.list("redirect_uris")
    elif isinstance(redirect_uris, str):
        redirect_uris = params.str("redirect_uris")
    else:
        raise ValidationError("redirect_uris must be a string or a list of strings",
                              field="redirect_uris")
    scopes = params.raw("scopes")
    scopes = params.list("scopes") if isinstance(scopes, list) else params.str("scopes")
    async with request.app[DB].transaction() as conn:
        created = await service.register_application(
            conn, name=params.str("client_name"), redirect_uris=redirect_uris, scopes=scopes,
            website=params.str("website"), now=request.app[CLOCK].now())
    vapid_key = await push_service.public_key(request.app[DB], now=request.app[CLOCK].now())
    return web.json_response(
        to_mastodon_credential_application(created.application, created.client_secret, vapid_key))


@routes.get("/api/v1/apps/verify_credentials")
async def apps_verify_credentials(request: web.Request) -> web.Response:
    token = await require_token(request, None, user=False)   # any live token, since 4.3
    app = token.application
    return web.json_response(to_mastodon_application(
        app_id=app.id, name=app.name, website=app.website, redirect_uris=app.redirect_uris,
        scopes=app.scopes,
        vapid_key=await push_service.public_key(request.app[DB], now=request.app[CLOCK].now())))
