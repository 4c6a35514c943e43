"""Proposal pages: the list, the form for each kind, the proposal with its voting form,
tally and discussion. Routes parse, call one service function and render."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.errors import CommonholdError
from server.governance import http_auth
from server.governance.charter import service as charter
from server.governance.charter.parameters import ALL_KINDS
from server.governance.proposals import forms, service, views
from server.governance.proposals.motions import POLICIES, POLL_METHODS, RULE_ACTIONS
from server.web.html import render
from server.web.state import CLOCK, DB

routes = web.RouteTableDef()
KIND_NAMES = {"general": "General decision", "charter_amendment": "Charter amendment",
              "moderation_rule": "Moderation rule", "domain_policy": "Domain policy",
              "budget": "Budget", "appointment": "Appointment to a role",
              "admission": "Admission of a member", "membership": "Membership decision",
              "jury_decision": "Jury decision", "poll": "Poll"}
# Opened elsewhere: admissions by an application, jury decisions from the jury's page.
NOT_FROM_THE_FORM = ("admission", "jury_decision")


def _id(request: web.Request) -> int:
    return int(request.match_info["proposal_id"])


@routes.get("/proposals")
async def get_proposals_page(request: web.Request) -> web.Response:
    viewer = await http_auth.caller_account_id(request)
    async with request.app[DB].acquire() as conn:
        found = await views.list_proposals(conn, viewer_account_id=viewer)
    return await render(request, "governance/proposals.html", proposals=found,
                        kind_names=KIND_NAMES)


async def _new_page(request: web.Request, kind: str, *, status: int = 200,
                    error: str | None = None, form: dict[str, Any] | None = None) -> web.Response:
    await http_auth.require_caller(request)
    async with request.app[DB].acquire() as conn:
        current = await charter.get_charter_in_force(conn)
    return await render(request, "governance/proposal_new.html", status=status, kind=kind,
                        kinds=[k for k in ALL_KINDS if k not in NOT_FROM_THE_FORM],
                        kind_names=KIND_NAMES, charter=current, error=error, form=form or {},
                        policies=POLICIES, rule_actions=RULE_ACTIONS, poll_methods=POLL_METHODS)


@routes.get("/proposals/new")
async def get_new_proposal_page(request: web.Request) -> web.Response:
    kind = request.query.get("kind", "general")
    return await _new_page(request, kind if kind in KIND_NAMES and kind not in
                           NOT_FROM_THE_FORM else "general")


@routes.post("/proposals")
async def post_proposal(request: web.Request) -> web.StreamResponse:
    form = await http_auth.read_body(request)
    user = await http_auth.require_writer(request, form)
    kind = str(form.get("kind", "general"))
    try:
        async with request.app[DB].transaction() as conn:
            created = await service.create_proposal(
                conn, author_account_id=user.account_id, kind=kind, title=form.get("title"),
                body=form.get("body"), motion=forms.motion_from_form(kind, form),
                now=request.app[CLOCK].now(), draft=form.get("draft") == "on")
    except CommonholdError as exc:
        return await _new_page(request, kind if kind in KIND_NAMES else "general",
                               status=exc.status, error=exc.message, form=form)
    raise web.HTTPSeeOther(f"/proposals/{created.id}")


async def _proposal_page(request: web.Request, proposal_id: int, *, status: int = 200,
                         error: str | None = None) -> web.Response:
    viewer = await http_auth.caller_account_id(request)
    async with request.app[DB].acquire() as conn:
        view = await views.get_view(conn, proposal_id=proposal_id, viewer_account_id=viewer,
                                    now=request.app[CLOCK].now())
    return await render(request, "governance/proposal.html", status=status, view=view,
                        p=view.proposal, kind_names=KIND_NAMES, error=error,
                        is_author=viewer == view.proposal.author_account_id)


@routes.get(r"/proposals/{proposal_id:\d+}")
async def get_proposal_page(request: web.Request) -> web.Response:
    return await _proposal_page(request, _id(request))


async def _act(request: web.Request, action: Any) -> web.StreamResponse:
    """Run a form action; on a refusal show the proposal again with the reason."""
    form = await http_auth.read_body(request)
    user = await http_auth.require_writer(request, form)
    try:
        async with request.app[DB].transaction() as conn:
            await action(conn, user, form)
    except CommonholdError as exc:
        return await _proposal_page(request, _id(request), status=exc.status, error=exc.message)
    raise web.HTTPSeeOther(f"/proposals/{_id(request)}")


@routes.post(r"/proposals/{proposal_id:\d+}/votes")
async def post_vote(request: web.Request) -> web.StreamResponse:
    async def vote(conn: Any, user: Any, form: dict[str, Any]) -> None:
        proposal = await service.get_proposal(conn, proposal_id=_id(request))
        choice = forms.choice_from_form(proposal.motion if proposal.kind == "poll" else None,
                                        form)
        await service.cast_vote(conn, account_id=user.account_id, proposal_id=_id(request),
                                choice=choice, reason=form.get("reason", ""),
                                now=request.app[CLOCK].now())

    return await _act(request, vote)


@routes.post(r"/proposals/{proposal_id:\d+}/comments")
async def post_comment(request: web.Request) -> web.StreamResponse:
    async def comment(conn: Any, user: Any, form: dict[str, Any]) -> None:
        await service.add_comment(conn, proposal_id=_id(request), account_id=user.account_id,
                                  body=form.get("body"), now=request.app[CLOCK].now())

    return await _act(request, comment)


@routes.post(r"/proposals/{proposal_id:\d+}/open")
async def post_open_proposal(request: web.Request) -> web.StreamResponse:
    async def open_(conn: Any, user: Any, form: dict[str, Any]) -> None:
        await service.open_proposal(conn, proposal_id=_id(request),
                                    by_account_id=user.account_id,
                                    now=request.app[CLOCK].now())

    return await _act(request, open_)
