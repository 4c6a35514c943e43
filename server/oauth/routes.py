"""OAuth endpoints: the authorization page, tokens, revocation, metadata and userinfo."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from server.accounts.routes import LOGIN_FAILURES_PER_ACCOUNT, LOGIN_PER_IP
from server.api import queries as api_q
from server.api.auth import forget_token, require_token
from server.api.entities.accounts import avatar_url, profile_url
from server.api.entities.apps import to_mastodon_token
from server.api.params import Params, read_params
from server.oauth import service
from server.oauth.scopes import ALL_SCOPES
from server.oauth.service import OAuthError
from server.web import ratelimit
from server.web.sessions import client_ip
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
GRANT_TYPES = ("authorization_code", "password", "client_credentials")


def _oauth_error(exc: OAuthError) -> web.Response:
    response = web.json_response({"error": exc.error, "error_description": exc.message},
                                 status=exc.status)
    if exc.error == "invalid_client":
        response.headers["WWW-Authenticate"] = 'Basic realm="Commonhold"'
    return response


def _client_credentials(request: web.Request, params: Params) -> tuple[str | None, str | None]:
    """client_secret_basic (RFC 6749 §2.3.1) or client_secret_post."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client") from None
        client_id, _, secret = decoded.partition(":")
        return unquote(client_id), unquote(secret)
    return params.str("client_id"), params.str("client_secret")


@routes.post("/oauth/token")
async def oauth_token(request: web.Request) -> web.Response:
    try:
        return await _token(request)
    except OAuthError as exc:
        return _oauth_error(exc)


async def _token(request: web.Request) -> web.Response:
    params = await read_params(request)
    now = request.app[CLOCK].now()
    grant_type = params.str("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "Missing required parameter: grant_type")
    if grant_type not in GRANT_TYPES:
        raise OAuthError("unsupported_grant_type")
    client_id, client_secret = _client_credentials(request, params)
    if grant_type == "password":
        await _check_login_limits(request, params, now)
    async with request.app[DB].transaction() as conn:
        app = await service.authenticate_client(conn, client_id=client_id,
                                                client_secret=client_secret)
        if grant_type == "authorization_code":
            outcome = await service.exchange_code(
                conn, app=app, code=params.str("code"), redirect_uri=params.str("redirect_uri"),
                code_verifier=params.str("code_verifier"), now=now)
        elif grant_type == "password":
            outcome = await _password(request, params, app, now, conn)
        else:
            outcome = await service.client_credentials_grant(conn, app=app,
                                                             scope=params.str("scope"), now=now)
    if isinstance(outcome, OAuthError):
        raise outcome
    response = web.json_response(to_mastodon_token(outcome))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


async def _check_login_limits(request: web.Request, params: Params, now: Any) -> None:
    """The password grant is a sign-in form without a page: it shares the page's limits."""
    login = (params.str("username") or "").strip().lower()
    async with request.app[DB].transaction() as conn:
        await ratelimit.check(conn, LOGIN_PER_IP, client_ip(request), now=now)
        await ratelimit.check(conn, LOGIN_FAILURES_PER_ACCOUNT, login, now=now)
        await ratelimit.hit(conn, LOGIN_PER_IP, client_ip(request), now=now)


async def _password(request: web.Request, params: Params, app: Any, now: Any,
                    conn: Any) -> service.IssuedToken | OAuthError:
    try:
        return await service.password_grant(conn, app=app, username=params.str("username"),
                                            password=params.str("password"),
                                            scope=params.str("scope"), now=now)
    except OAuthError as exc:
        if exc.error == "invalid_grant":
            login = (params.str("username") or "").strip().lower()
            async with request.app[DB].transaction() as other:
                await ratelimit.hit(other, LOGIN_FAILURES_PER_ACCOUNT, login, now=now)
        return exc


@routes.post("/oauth/revoke")
async def oauth_revoke(request: web.Request) -> web.Response:
    try:
        params = await read_params(request)
        client_id, client_secret = _client_credentials(request, params)
        async with request.app[DB].transaction() as conn:
            app = await service.authenticate_client(conn, client_id=client_id,
                                                    client_secret=client_secret)
            await service.revoke(conn, app=app, token=params.str("token"),
                                 now=request.app[CLOCK].now())
        if params.str("token"):
            forget_token(request.app, params.str("token") or "")
    except OAuthError as exc:
        if exc.error == "invalid_client":   # RFC 7009 §2.2.1 via Doorkeeper: 403
            exc = OAuthError("unauthorized_client", "You are not authorized to revoke this token.")
        return _oauth_error(exc)
    return web.json_response({})


@routes.get("/.well-known/oauth-authorization-server")
async def oauth_metadata(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    return web.json_response({
        "issuer": config.url("/"),
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": config.url("/oauth/authorize"),
        "token_endpoint": config.url("/oauth/token"),
        "app_registration_endpoint": config.url("/api/v1/apps"),
        "revocation_endpoint": config.url("/oauth/revoke"),
        "userinfo_endpoint": config.url("/oauth/userinfo"),
        "scopes_supported": list(ALL_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256", "plain"],
    }, headers={"Cache-Control": "public, max-age=900"})


@routes.route("*", "/oauth/userinfo")
async def oauth_userinfo(request: web.Request) -> web.Response:
    if request.method not in ("GET", "POST"):
        raise web.HTTPMethodNotAllowed(request.method, ["GET", "POST"])
    token = await require_token(request, "profile")
    config = request.app[CONFIG]
    assert token.account_id is not None
    async with request.app[DB].acquire() as conn:
        views = await api_q.list_account_views(conn, account_ids=[token.account_id])
    view = views[token.account_id]
    url = profile_url(config, view)
    return web.json_response({"iss": config.url("/"), "sub": view.uri, "name": view.display_name,
                              "preferred_username": view.username, "profile": url,
                              "picture": avatar_url(config, view)})
