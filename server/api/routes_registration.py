"""Signing up through an application: POST /api/v1/accounts, and the e-mail confirmation
resend that such applications call next (POST /api/v1/emails/confirmations).

A sign-up here is the web sign-up without its page: the same limits per network address, the
same registrations mode (the charter's), the same `create_local_user`. Like the web sign-up it
makes a user, not a member: membership stays its own decision under the charter
(server/governance/members). Agreeing means agreeing to the charter, served as the terms of
service.
"""

from __future__ import annotations

from aiohttp import web

from server.accounts import passwords
from server.accounts import service as accounts
from server.accounts.routes import SIGNUP_PER_IP
from server.api.auth import require_token
from server.api.entities.apps import to_mastodon_token
from server.api.params import Params, read_params
from server.errors import CommonholdError, ConflictError, ForbiddenError
from server.governance.charter.service import registrations_mode
from server.oauth import service as oauth
from server.web import ratelimit
from server.web.sessions import client_ip
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()

NEEDS_APP_TOKEN = ("Signing up needs the application's own token (client credentials), "
                   "not a user's")
CLOSED = "Registrations are closed on this instance."
NOT_AWAITING = "No e-mail address of this account awaits confirmation"
NOT_THE_APP = "This needs the token of a user who signed up, not an application's own token"


def _problems(params: Params) -> dict[str, tuple[str, str]]:
    """Every field that is wrong, as Mastodon lists them all at once: field -> (code, text).
    The checks are create_local_user's own; the agreement is this API's."""
    found: dict[str, tuple[str, str]] = {}
    checks = (("username", accounts.check_username), ("email", accounts.check_email),
              ("password", passwords.check_password_rules))
    for field, check in checks:
        value = ""
        try:
            value = params.str(field) or ""   # a list, an object or a NUL is refused here
            check(value)
        except CommonholdError as exc:
            found[field] = ("ERR_BLANK" if not value.strip() else "ERR_INVALID", exc.message)
    try:
        agreed = params.bool("agreement")
    except CommonholdError:
        agreed = False
    if not agreed:
        found["agreement"] = ("ERR_ACCEPTED", "must be accepted")
    return found


def _invalid(problems: dict[str, tuple[str, str]]) -> web.Response:
    summary = ", ".join(f"{field} {text}" for field, (_, text) in problems.items())
    return web.json_response(
        {"error": f"Validation failed: {summary}",
         "details": {field: [{"error": code, "description": text}]
                     for field, (code, text) in problems.items()}}, status=422)


@routes.post("/api/v1/accounts")
async def accounts_create(request: web.Request) -> web.Response:
    token = await require_token(request, "write:accounts", user=False)
    if token.user_id is not None:   # a signed-in user signs nobody else up
        raise ForbiddenError(NEEDS_APP_TOKEN)
    config, now = request.app[CONFIG], request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        mode = await registrations_mode(conn, config)
    if mode == "closed":
        raise ForbiddenError(CLOSED)
    params = await read_params(request)
    ip = client_ip(request)
    async with request.app[DB].transaction() as conn:
        await ratelimit.check(conn, SIGNUP_PER_IP, ip, now=now)
        await ratelimit.hit(conn, SIGNUP_PER_IP, ip, now=now)
    problems = _problems(params)
    if problems:
        return _invalid(problems)
    try:
        async with request.app[DB].transaction() as conn:
            user = await accounts.create_local_user(
                conn, config=config, username=params.str("username") or "",
                email=params.str("email") or "", password=params.str("password") or "",
                now=now, approved=mode == "open", reason=params.str("reason") or "")
            issued = await oauth.issue_token(conn, application_id=token.application.id,
                                             user_id=user.id,
                                             scopes=token.application.scopes, now=now)
    except ConflictError as exc:
        return _invalid({str(exc.detail.get("field", "username")): ("ERR_TAKEN", exc.message)})
    response = web.json_response(to_mastodon_token(issued))
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.post("/api/v1/emails/confirmations")
async def emails_confirmations(request: web.Request) -> web.Response:
    """No address here ever awaits confirmation (accounts are usable once approved, and no
    mail is sent), so this answers as Mastodon does for a confirmed user; an application
    token has no user to ask about."""
    token = await require_token(request, "write:accounts", user=False)
    raise ForbiddenError(NOT_AWAITING if token.user_id is not None else NOT_THE_APP)
