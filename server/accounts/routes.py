"""Account pages: sign-up, sign-in, sign-out, change password, approving sign-ups."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from server.accounts import queries, service
from server.errors import (
    CommonholdError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ValidationError,
)
from server.governance.charter.service import registrations_mode
from server.ids import parse_id
from server.web import ratelimit, sessions
from server.web.forms import local_path, read_form, see_other
from server.web.html import render
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()

LOGIN_PER_IP = ratelimit.Limit("login_ip", 25, timedelta(minutes=5),
                               "Too many sign-in attempts from your network. Wait a few minutes and try again.")
LOGIN_FAILURES_PER_ACCOUNT = ratelimit.Limit(
    "login_account", 10, timedelta(minutes=15),
    "Too many failed sign-in attempts for this account. Wait a few minutes and try again.")
SIGNUP_PER_IP = ratelimit.Limit("signup_ip", 25, timedelta(minutes=30),
                                "Too many sign-ups from your network. Try again later.")


async def _registrations(request: web.Request) -> str:
    async with request.app[DB].acquire() as conn:
        return await registrations_mode(conn, request.app[CONFIG])


@routes.get("/auth/sign_up")
async def get_sign_up(request: web.Request) -> web.Response:
    return await render(request, "accounts/sign_up.html", form={}, error=None,
                        registrations=await _registrations(request))


@routes.post("/auth/sign_up")
async def post_sign_up(request: web.Request) -> web.StreamResponse:
    config, clock = request.app[CONFIG], request.app[CLOCK]
    form = await read_form(request)
    mode = await _registrations(request)
    if mode == "closed":
        raise ForbiddenError("Registrations are closed on this instance.")
    now = clock.now()
    ip = sessions.client_ip(request)
    try:
        if form.get("password", "") != form.get("password_confirmation", ""):
            raise ValidationError("The passwords do not match.", field="password_confirmation")
        async with request.app[DB].transaction() as conn:
            await ratelimit.check(conn, SIGNUP_PER_IP, ip, now=now)
            await ratelimit.hit(conn, SIGNUP_PER_IP, ip, now=now)
        async with request.app[DB].transaction() as conn:
            user = await service.create_local_user(
                conn, config=config, username=form.get("username", ""),
                email=form.get("email", ""), password=form.get("password", ""), now=now,
                approved=mode == "open", reason=form.get("reason", ""))
    except RateLimitedError:
        raise
    except CommonholdError as exc:
        kept = {k: form.get(k, "") for k in ("username", "email", "reason")}
        return await render(request, "accounts/sign_up.html", status=exc.status, form=kept,
                            error=exc.message, registrations=mode)
    if not user.approved:
        return await render(request, "accounts/pending.html", username=user.username)
    response = see_other("/?notice=welcome")
    await sessions.start(request, response, user)
    return response


@routes.get("/auth/sign_in")
async def get_sign_in(request: web.Request) -> web.Response:
    return await render(request, "accounts/sign_in.html", login="", error=None,
                        next_path=request.query.get("next", ""))


@routes.post("/auth/sign_in")
async def post_sign_in(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    login = form.get("login", "").strip()
    now = request.app[CLOCK].now()
    ip = sessions.client_ip(request)
    account_key = login.lower()
    async with request.app[DB].transaction() as conn:
        await ratelimit.check(conn, LOGIN_PER_IP, ip, now=now)
        await ratelimit.check(conn, LOGIN_FAILURES_PER_ACCOUNT, account_key, now=now)
        await ratelimit.hit(conn, LOGIN_PER_IP, ip, now=now)
    try:
        async with request.app[DB].transaction() as conn:
            user = await service.authenticate(conn, login=login, password=form.get("password", ""),
                                              now=now)
    except ForbiddenError as exc:
        async with request.app[DB].transaction() as conn:
            await ratelimit.hit(conn, LOGIN_FAILURES_PER_ACCOUNT, account_key, now=now)
        return await render(request, "accounts/sign_in.html", status=exc.status, login=login,
                            error=exc.message, next_path=form.get("next", ""))
    response = see_other(local_path(form.get("next", "")))
    await sessions.start(request, response, user)
    return response


@routes.post("/auth/sign_out")
async def post_sign_out(request: web.Request) -> web.StreamResponse:
    await read_form(request)
    response = see_other("/?notice=signed_out")
    await sessions.end(request, response)
    return response


@routes.get("/settings/password")
async def get_change_password(request: web.Request) -> web.StreamResponse:
    if await sessions.current_user(request) is None:
        return see_other("/auth/sign_in?next=/settings/password")
    return await render(request, "accounts/change_password.html", error=None)


@routes.post("/settings/password")
async def post_change_password(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    user = await sessions.require_user(request)
    try:
        async with request.app[DB].transaction() as conn:
            await service.change_password(
                conn, user=user, current=form.get("current_password", ""),
                new=form.get("password", ""), confirm=form.get("password_confirmation", ""),
                now=request.app[CLOCK].now())
    except CommonholdError as exc:
        return await render(request, "accounts/change_password.html", status=exc.status,
                            error=exc.message)
    await sessions.end_other_sessions(request, user)
    return see_other("/?notice=password_changed")


async def _require_admin(request: web.Request) -> None:
    user = await sessions.require_user(request)
    if not user.is_admin:
        raise ForbiddenError("Only the instance's admins can do that.")


@routes.get("/admin/accounts/pending")
async def get_pending_accounts(request: web.Request) -> web.Response:
    await _require_admin(request)
    async with request.app[DB].acquire() as conn:
        pending = await queries.list_pending_users(conn)
    return await render(request, "accounts/pending_list.html", pending=pending)


@routes.post(r"/admin/accounts/{user_id:\d+}/{decision:approve|reject}")
async def post_account_decision(request: web.Request) -> web.StreamResponse:
    await read_form(request)
    await _require_admin(request)
    user_id = parse_id(request.match_info["user_id"])
    if user_id is None:
        raise NotFoundError("No pending sign-up with that id.")
    async with request.app[DB].transaction() as conn:
        if request.match_info["decision"] == "approve":
            await service.approve(conn, user_id=user_id)
        else:
            await service.reject(conn, user_id=user_id)
    return see_other("/admin/accounts/pending")
