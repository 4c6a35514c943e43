"""The governance JSON API under /api/v1/governance/. Errors are `{"error": "..."}` from
the shared middleware; bodies may be JSON or forms."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from server.errors import BadRequestError
from server.governance import http_auth
from server.governance.charter import service as charter
from server.governance.log import service as log
from server.governance.log.service import timestamp
from server.governance.members import service as members
from server.governance.proposals import service as proposals
from server.governance.proposals import views
from server.web.state import CLOCK, DB

routes = web.RouteTableDef()
PREFIX = "/api/v1/governance"


def _int_param(request: web.Request, name: str, default: int, *, high: int) -> int:
    raw = request.query.get(name, "")
    if not raw:
        return default
    if not raw.isdigit():
        raise BadRequestError(f"{name} must be a whole number.")
    return min(int(raw), high)


def charter_json(current: charter.Charter) -> dict[str, Any]:
    return {
        "version": current.version, "adopted_at": timestamp(current.adopted_at),
        "proposal_id": str(current.proposal_id) if current.proposal_id else None,
        "log_seq": current.log_seq, "text": current.text,
        "clauses": [{"id": c.id, "title": c.title, "anchor": c.anchor,
                     "url": f"/charter#{c.anchor}"} for c in current.parsed.clauses],
        "parameters": current.parsed.raw_parameters,
    }


@routes.get(f"{PREFIX}/charter")
async def governance_charter(request: web.Request) -> web.Response:
    version = _int_param(request, "version", 0, high=10**6)
    async with request.app[DB].acquire() as conn:
        current = (await charter.get_version(conn, version=version) if version
                   else await charter.get_charter_in_force(conn))
    return web.json_response(charter_json(current))


@routes.get(f"{PREFIX}/proposals")
async def governance_proposals(request: web.Request) -> web.Response:
    viewer = await http_auth.caller_account_id(request)
    status = request.query.get("status") or None
    async with request.app[DB].acquire() as conn:
        found = await views.list_proposals(conn, viewer_account_id=viewer, status=status,
                                           limit=_int_param(request, "limit", 40, high=200))
    return web.json_response([views.proposal_json(p) for p in found])


def _motion(body: dict[str, Any]) -> Any:
    motion = body.get("motion")
    if isinstance(motion, str) and motion.strip():
        try:
            return json.loads(motion)  # forms carry the motion as JSON text
        except json.JSONDecodeError:
            raise BadRequestError("motion must be a JSON object.") from None
    return motion


@routes.post(f"{PREFIX}/proposals")
async def governance_create_proposal(request: web.Request) -> web.Response:
    body = await http_auth.read_body(request)
    user = await http_auth.require_writer(request, body)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        created = await proposals.create_proposal(
            conn, author_account_id=user.account_id, kind=str(body.get("kind", "")),
            title=body.get("title"), body=body.get("body"), motion=_motion(body), now=now,
            draft=body.get("draft") in (True, "true", "1", "on"))
        view = await views.get_view(conn, proposal_id=created.id,
                                    viewer_account_id=user.account_id, now=now)
    return web.json_response(views.view_json(view), status=201)


def _proposal_id(request: web.Request) -> int:
    return int(request.match_info["proposal_id"])


@routes.get(PREFIX + r"/proposals/{proposal_id:\d+}")
async def governance_proposal(request: web.Request) -> web.Response:
    viewer = await http_auth.caller_account_id(request)
    async with request.app[DB].acquire() as conn:
        view = await views.get_view(conn, proposal_id=_proposal_id(request),
                                    viewer_account_id=viewer, now=request.app[CLOCK].now())
    return web.json_response(views.view_json(view))


@routes.post(PREFIX + r"/proposals/{proposal_id:\d+}/votes")
async def governance_vote(request: web.Request) -> web.Response:
    body = await http_auth.read_body(request)
    user = await http_auth.require_writer(request, body)
    async with request.app[DB].transaction() as conn:
        receipt = await proposals.cast_vote(
            conn, account_id=user.account_id, proposal_id=_proposal_id(request),
            choice=body.get("choice"), reason=body.get("reason", ""),
            now=request.app[CLOCK].now())
    return web.json_response(receipt)


@routes.get(f"{PREFIX}/log")
async def governance_log(request: web.Request) -> web.Response:
    after = _int_param(request, "after_seq", 0, high=2**62)
    async with request.app[DB].acquire() as conn:
        entries = await log.list_after(conn, after_seq=after,
                                       limit=_int_param(request, "limit", 100, high=500))
        head = await log.get_head(conn)
    return web.json_response({"head": head, "entries": [log.entry_json(e) for e in entries]})


@routes.get(f"{PREFIX}/members")
async def governance_members(request: web.Request) -> web.Response:
    viewer = await http_auth.caller_account_id(request)
    async with request.app[DB].acquire() as conn:
        found = await members.list_directory(conn, viewer_account_id=viewer)
    return web.json_response([
        {"account_id": str(m.account_id), "acct": m.acct, "display_name": m.display_name,
         "member_class": m.member_class, "status": m.status,
         "admitted_at": timestamp(m.admitted_at)} for m in found])
