"""Member pages: the directory and share ledger (members only), applying, deciding
applications, leaving, and an admin's suspension under a clause."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.errors import CommonholdError
from server.governance import http_auth
from server.governance.charter import service as charter
from server.governance.members import applications, service
from server.web.html import render
from server.web.state import CLOCK, DB

routes = web.RouteTableDef()


@routes.get("/members")
async def get_members_page(request: web.Request) -> web.Response:
    user = await http_auth.require_caller(request)
    async with request.app[DB].acquire() as conn:
        found = await service.list_directory(conn, viewer_account_id=user.account_id)
        can_decide = await applications.can_decide(conn, account_id=user.account_id)
    return await render(request, "governance/members.html", members=found,
                        is_admin=user.is_admin, can_decide=can_decide)


@routes.get("/members/ledger")
async def get_ledger_page(request: web.Request) -> web.Response:
    user = await http_auth.require_caller(request)
    async with request.app[DB].acquire() as conn:
        rows = await service.list_ledger(conn, viewer_account_id=user.account_id)
    return await render(request, "governance/ledger.html", rows=rows)


async def _apply_page(request: web.Request, *, status: int = 200, error: str | None = None,
                      statement: str = "") -> web.Response:
    user = await http_auth.require_caller(request)
    async with request.app[DB].acquire() as conn:
        params = (await charter.get_charter_in_force(conn)).parameters.membership
        member = await service.get_member(conn, account_id=user.account_id)
        pending = await applications.pending_for(conn, account_id=user.account_id)
    return await render(request, "governance/apply.html", status=status, error=error,
                        membership=params, member=member, pending=pending, statement=statement)


@routes.get("/members/apply")
async def get_apply_page(request: web.Request) -> web.Response:
    return await _apply_page(request)


@routes.post("/members/apply")
async def post_apply(request: web.Request) -> web.StreamResponse:
    form = await http_auth.read_body(request)
    user = await http_auth.require_writer(request, form)
    try:
        async with request.app[DB].transaction() as conn:
            await applications.apply(conn, account_id=user.account_id,
                                     statement=form.get("statement"),
                                     member_class=form.get("member_class") or None,
                                     now=request.app[CLOCK].now())
    except CommonholdError as exc:
        return await _apply_page(request, status=exc.status, error=exc.message,
                                 statement=str(form.get("statement", "")))
    raise web.HTTPSeeOther("/members/apply")


@routes.get("/members/applications")
async def get_applications_page(request: web.Request) -> web.Response:
    user = await http_auth.require_caller(request)
    async with request.app[DB].acquire() as conn:
        pending = await applications.list_pending(conn, viewer_account_id=user.account_id)
        can_decide = await applications.can_decide(conn, account_id=user.account_id)
    return await render(request, "governance/applications.html", pending=pending,
                        can_decide=can_decide)


@routes.post(r"/members/applications/{application_id:\d+}/{decision:approve|reject}")
async def post_application_decision(request: web.Request) -> web.StreamResponse:
    form = await http_auth.read_body(request)
    user = await http_auth.require_writer(request, form)
    decide: Any = (applications.approve if request.match_info["decision"] == "approve"
                   else applications.reject)
    async with request.app[DB].transaction() as conn:
        await decide(conn, application_id=int(request.match_info["application_id"]),
                     by_account_id=user.account_id, now=request.app[CLOCK].now())
    raise web.HTTPSeeOther("/members/applications")


@routes.post("/members/leave")
async def post_leave(request: web.Request) -> web.StreamResponse:
    form = await http_auth.read_body(request)
    user = await http_auth.require_writer(request, form)
    async with request.app[DB].transaction() as conn:
        await service.leave(conn, account_id=user.account_id, now=request.app[CLOCK].now(),
                            reason=str(form.get("reason", "")))
    raise web.HTTPSeeOther("/members/apply")


@routes.post(r"/members/{account_id:\d+}/{action:suspend|reinstate}")
async def post_member_status(request: web.Request) -> web.StreamResponse:
    form = await http_auth.read_body(request)
    user = await http_auth.require_writer(request, form)
    change: Any = service.suspend if request.match_info["action"] == "suspend" \
        else service.reinstate
    async with request.app[DB].transaction() as conn:
        await change(conn, account_id=int(request.match_info["account_id"]),
                     clause=str(form.get("clause", "")).strip(),
                     reason=str(form.get("reason", "")), by_account_id=user.account_id,
                     now=request.app[CLOCK].now())
    raise web.HTTPSeeOther("/members")
