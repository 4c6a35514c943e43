"""The contributions ledger: the members-only page with its forms, and the JSON under
/api/v1/governance/ledger. Routes parse, call one service function and render."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from server.db import Conn
from server.errors import CommonholdError, ValidationError
from server.governance import http_auth
from server.governance.contributions import service
from server.governance.contributions.service import Ledger
from server.governance.log.service import timestamp
from server.web.html import render
from server.web.state import CLOCK, DB

routes = web.RouteTableDef()
PAGE = "/members/contributions"
API = "/api/v1/governance/ledger"
Action = Callable[[Conn, Any, dict[str, Any]], Awaitable[Any]]


async def _page(request: web.Request, *, status: int = 200,
                error: str | None = None) -> web.Response:
    user = await http_auth.require_caller(request)
    async with request.app[DB].acquire() as conn:
        ledger = await service.get_ledger(conn, viewer_account_id=user.account_id)
        can_record = await service.can_record(conn, account_id=user.account_id)
    return await render(request, "governance/contributions.html", status=status, error=error,
                        ledger=ledger, can_record=can_record, periods=service.PERIODS,
                        me=user.account_id)


@routes.get(PAGE)
async def get_contributions_page(request: web.Request) -> web.Response:
    return await _page(request)


async def _act(request: web.Request, action: Action) -> web.StreamResponse:
    """Run a form action; on a refusal show the ledger again with the reason."""
    form = await http_auth.read_body(request)
    user = await http_auth.require_writer(request, form)
    try:
        async with request.app[DB].transaction() as conn:
            await action(conn, user, form)
    except CommonholdError as exc:
        return await _page(request, status=exc.status, error=exc.message)
    raise web.HTTPSeeOther(PAGE)


async def _pledge(request: web.Request, conn: Conn, user: Any, body: dict[str, Any]) -> Any:
    return await service.make_pledge(conn, account_id=user.account_id, amount=body.get("amount"),
                                     currency=body.get("currency"), period=body.get("period"),
                                     now=request.app[CLOCK].now())


async def _record(request: web.Request, conn: Conn, user: Any, body: dict[str, Any]) -> int:
    now = request.app[CLOCK].now()
    corrects = str(body.get("corrects_id") or "").strip()
    if corrects:
        if not corrects.isdigit():
            raise ValidationError("Give the number of the contribution to correct.",
                                  field="corrects_id")
        return await service.correct_contribution(
            conn, by_account_id=user.account_id, contribution_id=int(corrects),
            amount=body.get("amount"), note=body.get("note"), now=now)
    return await service.record_contribution(
        conn, by_account_id=user.account_id, contributor=body.get("contributor"),
        amount=body.get("amount"), currency=body.get("currency"), note=body.get("note", ""),
        pledge_id=body.get("pledge_id"), now=now)


@routes.post("/members/pledges")
async def post_pledge(request: web.Request) -> web.StreamResponse:
    return await _act(request, lambda conn, user, form: _pledge(request, conn, user, form))


@routes.post(r"/members/pledges/{pledge_id:\d+}/end")
async def post_end_pledge(request: web.Request) -> web.StreamResponse:
    async def end(conn: Conn, user: Any, form: dict[str, Any]) -> None:
        await service.end_pledge(conn, account_id=user.account_id,
                                 pledge_id=int(request.match_info["pledge_id"]),
                                 now=request.app[CLOCK].now())

    return await _act(request, end)


@routes.post(PAGE)
async def post_contribution(request: web.Request) -> web.StreamResponse:
    return await _act(request, lambda conn, user, form: _record(request, conn, user, form))


def ledger_json(ledger: Ledger) -> dict[str, Any]:
    return {
        "balances": [{"currency": b["currency"], "contributed": b["contributed"],
                      "allocated": b["allocated"], "balance": b["balance"]}
                     for b in ledger.balances],
        "pledges": [{"id": str(p.id), "member": p.username, "amount": p.amount_minor,
                     "currency": p.currency, "period": p.period, "active": p.active,
                     "created_at": timestamp(p.created_at)} for p in ledger.pledges],
        "contributions": [{"id": str(c.id), "member": c.username, "amount": c.amount_minor,
                           "currency": c.currency, "note": c.note,
                           "pledge_id": str(c.pledge_id) if c.pledge_id else None,
                           "corrects_id": str(c.corrects_id) if c.corrects_id else None,
                           "recorded_by": c.recorded_by,
                           "recorded_at": timestamp(c.recorded_at)}
                          for c in ledger.contributions],
        "allocations": [{"id": str(a["id"]), "proposal_id": str(a["proposal_id"]),
                         "title": a["title"], "option": a["option"],
                         "amount": a["amount_minor"], "currency": a["currency"],
                         "purpose": a["purpose"], "allocated_at": timestamp(a["allocated_at"])}
                        for a in ledger.allocations],
    }


@routes.get(API)
async def governance_ledger(request: web.Request) -> web.Response:
    viewer = await http_auth.caller_account_id(request)
    async with request.app[DB].acquire() as conn:
        ledger = await service.get_ledger(conn, viewer_account_id=viewer)
    return web.json_response(ledger_json(ledger))


async def _api_write(request: web.Request, action: Action) -> web.Response:
    body = await http_auth.read_body(request)
    user = await http_auth.require_writer(request, body)
    async with request.app[DB].transaction() as conn:
        created = await action(conn, user, body)
    return web.json_response(created, status=201)


@routes.post(f"{API}/pledges")
async def governance_ledger_pledge(request: web.Request) -> web.Response:
    async def pledge(conn: Conn, user: Any, body: dict[str, Any]) -> dict[str, Any]:
        p = await _pledge(request, conn, user, body)
        return {"id": str(p.id), "amount": p.amount_minor, "currency": p.currency,
                "period": p.period, "active": p.active}

    return await _api_write(request, pledge)


@routes.post(f"{API}/contributions")
async def governance_ledger_contribution(request: web.Request) -> web.Response:
    async def record(conn: Conn, user: Any, body: dict[str, Any]) -> dict[str, Any]:
        return {"id": str(await _record(request, conn, user, body))}

    return await _api_write(request, record)
