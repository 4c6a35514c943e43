"""Jury pages and JSON: the list of draws, a draw with its commitment, reveal and how to
check it, the jury page where jurors accept or decline and put questions to the jury, and
`GET /api/v1/governance/draws/{id}`, the document anyone can re-run the draw from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web

from server.db import Conn
from server.errors import CommonholdError, ValidationError
from server.governance import http_auth
from server.governance.juries import published, seats, service
from server.governance.log.service import timestamp
from server.web.html import render
from server.web.state import CLOCK, DB

routes = web.RouteTableDef()
API = "/api/v1/governance/draws"
Action = Callable[[Conn, Any, dict[str, Any]], Awaitable[Any]]
MAX_DELAY_HOURS = 24 * 60


def _id(request: web.Request) -> int:
    return int(request.match_info["draw_id"])


async def _list_page(request: web.Request, *, status: int = 200,
                     error: str | None = None) -> web.Response:
    viewer = await http_auth.caller_account_id(request)
    async with request.app[DB].acquire() as conn:
        draws = await service.list_draws(conn)
        can_organise = await service.can_organise(conn, account_id=viewer)
        mine = await seats.list_my_seats(conn, account_id=viewer) if viewer else []
    return await render(request, "governance/draws.html", status=status, error=error,
                        draws=draws, can_organise=can_organise, my_seats=mine)


@routes.get("/governance/draws")
async def get_draws_page(request: web.Request) -> web.Response:
    return await _list_page(request)


def _delay(value: Any) -> timedelta:
    text = str(value or "24").strip()
    if not text.isdigit() or int(text) > MAX_DELAY_HOURS:
        raise ValidationError(f"Draw after a whole number of hours, at most {MAX_DELAY_HOURS}.",
                              field="draw_in_hours")
    return timedelta(hours=int(text))


@routes.post("/governance/draws")
async def post_draw(request: web.Request) -> web.StreamResponse:
    form = await http_auth.read_body(request)
    user = await http_auth.require_writer(request, form)
    now = request.app[CLOCK].now()
    try:
        async with request.app[DB].transaction() as conn:
            draw = await service.commit_draw(
                conn, purpose=form.get("purpose"), now=now, by_account_id=user.account_id,
                exclude_account_ids=await service.account_ids_for(conn, form.get("exclude", "")),
                draw_at=now + _delay(form.get("draw_in_hours")))
    except CommonholdError as exc:
        return await _list_page(request, status=exc.status, error=exc.message)
    raise web.HTTPSeeOther(f"/governance/draws/{draw.id}")


async def _draw_page(request: web.Request, *, status: int = 200,
                     error: str | None = None) -> web.Response:
    viewer = await http_auth.caller_account_id(request)
    async with request.app[DB].acquire() as conn:
        doc = await published.draw_document(conn, draw_id=_id(request))
        check = await published.check_stored_draw(conn, draw_id=_id(request))
        can_organise = await service.can_organise(conn, account_id=viewer)
    return await render(request, "governance/draw.html", status=status, error=error, d=doc,
                        check=check, can_organise=can_organise)


@routes.get(r"/governance/draws/{draw_id:\d+}")
async def get_draw_page(request: web.Request) -> web.Response:
    return await _draw_page(request)


@routes.post(r"/governance/draws/{draw_id:\d+}/draw")
async def post_draw_now(request: web.Request) -> web.StreamResponse:
    form = await http_auth.read_body(request)
    user = await http_auth.require_writer(request, form)
    try:
        async with request.app[DB].transaction() as conn:
            await service.perform_draw(conn, draw_id=_id(request), now=request.app[CLOCK].now(),
                                       by_account_id=user.account_id)
    except CommonholdError as exc:
        return await _draw_page(request, status=exc.status, error=exc.message)
    raise web.HTTPSeeOther(f"/governance/draws/{_id(request)}")


async def _jury_page(request: web.Request, *, status: int = 200,
                     error: str | None = None) -> web.Response:
    user = await http_auth.require_caller(request)
    async with request.app[DB].acquire() as conn:
        draw = await service.get_draw(conn, draw_id=_id(request))
        doc = await published.draw_document(conn, draw_id=_id(request))
        decisions = await seats.list_decisions(conn, draw_id=_id(request))
    mine = next((s for s in doc["seats"] if s["id"] == str(user.account_id)), None)
    sitting = (draw.state == "drawn" and draw.term_ends_at is not None
               and request.app[CLOCK].now() < draw.term_ends_at)
    return await render(request, "governance/jury.html", status=status, error=error, d=doc,
                        mine=mine, decisions=decisions, sitting=sitting)


@routes.get(r"/governance/juries/{draw_id:\d+}")
async def get_jury_page(request: web.Request) -> web.Response:
    return await _jury_page(request)


async def _jury_act(request: web.Request, action: Action) -> web.StreamResponse:
    form = await http_auth.read_body(request)
    user = await http_auth.require_writer(request, form)
    try:
        async with request.app[DB].transaction() as conn:
            result = await action(conn, user, form)
    except CommonholdError as exc:
        return await _jury_page(request, status=exc.status, error=exc.message)
    if getattr(result, "kind", None) == "jury_decision":
        raise web.HTTPSeeOther(f"/proposals/{result.id}")
    raise web.HTTPSeeOther(f"/governance/juries/{_id(request)}")


@routes.post(r"/governance/juries/{draw_id:\d+}/{answer:accept|decline}")
async def post_seat_answer(request: web.Request) -> web.StreamResponse:
    answer = seats.accept_seat if request.match_info["answer"] == "accept" else \
        seats.decline_seat

    async def act(conn: Conn, user: Any, form: dict[str, Any]) -> Any:
        return await answer(conn, draw_id=_id(request), account_id=user.account_id,
                            now=request.app[CLOCK].now())

    return await _jury_act(request, act)


@routes.post(r"/governance/juries/{draw_id:\d+}/decisions")
async def post_jury_decision(request: web.Request) -> web.StreamResponse:
    async def act(conn: Conn, user: Any, form: dict[str, Any]) -> Any:
        return await seats.open_decision(conn, draw_id=_id(request), account_id=user.account_id,
                                         title=form.get("title"), body=form.get("body"),
                                         now=request.app[CLOCK].now())

    return await _jury_act(request, act)


@routes.get(API)
async def governance_draws(request: web.Request) -> web.Response:
    async with request.app[DB].acquire() as conn:
        draws = await service.list_draws(conn)
    return web.json_response([
        {"id": str(d.id), "purpose": d.purpose, "state": d.state, "commitment": d.commitment,
         "pool_hash": d.pool_hash, "draw_at": timestamp(d.draw_at),
         "url": f"{API}/{d.id}"} for d in draws])


@routes.get(API + r"/{draw_id:\d+}")
async def governance_draw(request: web.Request) -> web.Response:
    async with request.app[DB].acquire() as conn:
        doc = await published.draw_document(conn, draw_id=_id(request))
    return web.json_response(doc)
