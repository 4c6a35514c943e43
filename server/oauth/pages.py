"""The authorization page: a signed-in person lets an application act for them.

GET shows the sign-in form first when nobody is signed in (or `force_login` asks for it),
then a consent page listing the scopes; its Authorize/Deny form posts back here with a CSRF
token. Approval sends the browser to the application's redirect URI with a single-use code,
or, for `urn:ietf:wg:oauth:2.0:oob`, shows the code to copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web

from server.api.params import Params
from server.errors import CommonholdError
from server.oauth import queries, service
from server.oauth.queries import Application
from server.oauth.scopes import InvalidScopeError, describe, parse_scopes, require_subset
from server.oauth.service import OOB, OAuthError
from server.web import csrf, sessions
from server.web.forms import posted
from server.web.html import render
from server.web.state import CLOCK, DB

routes = web.RouteTableDef()
_FIELDS = ("client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge",
           "code_challenge_method")


class PageError(CommonholdError):
    """Shown on a page, because the redirect URI cannot be trusted (or is oob)."""

    status = 400


@dataclass(frozen=True)
class AuthRequest:
    app: Application
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None

    def hidden_fields(self) -> dict[str, str]:
        return {"client_id": self.app.client_id, "redirect_uri": self.redirect_uri,
                "response_type": "code", "scope": " ".join(self.scopes),
                "state": self.state or "", "code_challenge": self.code_challenge or "",
                "code_challenge_method": self.code_challenge_method or ""}


class RedirectError(Exception):
    """An error the application learns through its redirect URI (RFC 6749 §4.1.2.1)."""

    def __init__(self, error: OAuthError, redirect_uri: str, state: str | None) -> None:
        super().__init__(error.message)
        self.error, self.redirect_uri, self.state = error, redirect_uri, state


def _with_query(uri: str, values: dict[str, str | None]) -> str:
    query = urlencode({k: v for k, v in values.items() if v is not None})
    return uri + ("&" if "?" in uri else "?") + query


async def _parse(request: web.Request, params: Params) -> AuthRequest:
    client_id = params.str("client_id") or ""
    async with request.app[DB].acquire() as conn:
        app = await queries.get_application_by_client_id(conn, client_id=client_id)
    if app is None:
        raise PageError("Client authentication failed: this application is unknown.")
    redirect_uri = params.str("redirect_uri") or (
        app.redirect_uris[0] if len(app.redirect_uris) == 1 else "")
    if redirect_uri not in app.redirect_uris:
        raise PageError("The redirect URI is not one the application registered.")
    state = params.str("state")
    try:
        if params.str("response_type") != "code":
            raise OAuthError("invalid_request", "response_type must be code")
        try:
            scopes = parse_scopes(params.str("scope"))
            require_subset(scopes, app.scopes)
        except InvalidScopeError as exc:
            raise OAuthError("invalid_scope", exc.message) from None
        challenge, method = service.check_code_challenge(
            params.str("code_challenge"), params.str("code_challenge_method"))
    except OAuthError as exc:
        if redirect_uri == OOB:
            raise PageError(f"{exc.error}: {exc.message}") from None
        raise RedirectError(exc, redirect_uri, state) from None
    return AuthRequest(app, redirect_uri, scopes, state, challenge, method)


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})


async def _error_page(request: web.Request, message: str, status: int = 400) -> web.Response:
    return await render(request, "oauth/error.html", status=status, message=message)


async def _grant(request: web.Request, auth: AuthRequest, user_id: int) -> web.Response:
    async with request.app[DB].transaction() as conn:
        code = await service.issue_code(
            conn, app=auth.app, user_id=user_id, redirect_uri=auth.redirect_uri,
            scopes=auth.scopes, code_challenge=auth.code_challenge,
            code_challenge_method=auth.code_challenge_method, now=request.app[CLOCK].now())
    if auth.redirect_uri == OOB:
        return await render(request, "oauth/code.html", code=code, app_name=auth.app.name)
    return _redirect(_with_query(auth.redirect_uri, {"code": code, "state": auth.state}))


async def _handle(request: web.Request, params: Params, *,
                  decision: str | None) -> web.StreamResponse:
    try:
        auth = await _parse(request, params)
    except PageError as exc:
        return await _error_page(request, exc.message)
    except RedirectError as exc:
        return _redirect(_with_query(exc.redirect_uri, {
            "error": exc.error.error, "error_description": exc.error.message, "state": exc.state}))
    user = await sessions.current_user(request)
    if user is None or (decision is None and params.bool("force_login")):
        return await _to_sign_in(request)
    if decision == "deny":
        if auth.redirect_uri == OOB:
            return await _error_page(request, "You denied the application access.", status=200)
        return _redirect(_with_query(auth.redirect_uri, {
            "error": "access_denied",
            "error_description": "The resource owner denied the request.", "state": auth.state}))
    if decision == "authorize":
        return await _grant(request, auth, user.id)
    async with request.app[DB].acquire() as conn:
        known = await queries.has_matching_token(conn, user_id=user.id,
                                                 application_id=auth.app.id,
                                                 scopes=list(auth.scopes))
    if known:   # consent once given for exactly these scopes is not asked again
        return await _grant(request, auth, user.id)
    response = await render(request, "oauth/authorize.html", app=auth.app,
                            scopes=describe(auth.scopes), fields=auth.hidden_fields())
    # The approved form ends in a redirect to the application, which `form-action 'self'`
    # would block in some browsers.
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; "
        "frame-ancestors 'none'")
    return response


async def _to_sign_in(request: web.Request) -> web.StreamResponse:
    """Sign in (again, for force_login), then come back to this same authorization request."""
    query = [(k, v) for k, v in request.query.items() if k != "force_login"]
    if request.method == "POST":
        query = [(k, v) for k, v in (await posted(request)).items()
                 if k in _FIELDS and isinstance(v, str)]
    back = "/oauth/authorize?" + urlencode(query)
    response = _redirect("/auth/sign_in?" + urlencode({"next": back}))
    if await sessions.current_user(request) is not None:
        await sessions.end(request, response)
    return response


@routes.get("/oauth/authorize")
async def get_authorize(request: web.Request) -> web.StreamResponse:
    try:
        return await _handle(request, Params(dict(request.query)), decision=None)
    except CommonholdError as exc:   # a page, not the JSON the rest of /oauth/ answers with
        return await _error_page(request, exc.message, status=exc.status)


@routes.post("/oauth/authorize")
async def post_authorize(request: web.Request) -> web.StreamResponse:
    try:
        data = await posted(request, unreadable="The form could not be read.")
        form = {k: v for k, v in data.items() if isinstance(v, str)}
        csrf.check(request, form)
    except CommonholdError as exc:
        return await _error_page(request, exc.message, status=exc.status)
    decision = form.get("decision")
    if decision not in ("authorize", "deny"):
        return await _error_page(request, "Choose Authorize or Deny.")
    try:
        return await _handle(request, Params(form), decision=decision)
    except CommonholdError as exc:
        return await _error_page(request, exc.message, status=exc.status)
