"""Reporting an account to the moderators from its profile: /accounts/ID/report asks what
is wrong (spam, illegal, against the charter's code of conduct — naming the clauses — or
something else), which of its recent posts show it, and a comment; for an account on another
server, whether to send that server's moderators an anonymous copy. Filed through the same
service as the API's POST /api/v1/reports."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.accounts.queries import Account
from server.api.rules import list_rules
from server.errors import NotFoundError, ValidationError
from server.follows import service as follows
from server.ids import parse_id
from server.reports import service as reports
from server.web.forms import posted, read_form, see_other
from server.web.html import render
from server.web.social import reading
from server.web.social.viewer import members_page, require_viewer
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
CATEGORIES = [("spam", "Spam: ads, scams or the same thing over and over"),
              ("legal", "It is illegal"),
              ("violation", "It breaks the rules of this server (the charter's code of conduct)"),
              ("other", "Something else")]


def _target_id(request: web.Request) -> int:
    value = parse_id(request.match_info["id"])
    if value is None:
        raise NotFoundError("There is no such account.")
    return value


async def _page(request: web.Request, me: Account, target_id: int, *, form: dict[str, Any],
                error: str | None = None, status: int = 200) -> web.Response:
    now = request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        target = await follows.get_account_or_404(conn, target_id)
        if target.id == me.id:
            raise NotFoundError("You cannot report yourself.")
        rules = await list_rules(conn)
        posts = await reading.account_statuses(conn, config=request.app[CONFIG],
                                               account_id=target.id, viewer_id=me.id,
                                               max_id=None, now=now)
    return await render(request, "social/report.html", status=status, target=target,
                        acct=target.acct(), rules=rules, posts=posts.items, form=form,
                        error=error, categories=CATEGORIES)


@routes.get(r"/accounts/{id:\d+}/report")
@members_page
async def get_report(request: web.Request, me: Account) -> web.StreamResponse:
    return await _page(request, me, _target_id(request),
                       form={"category": "other", "status_ids": [], "rule_ids": []})


@routes.post(r"/accounts/{id:\d+}/report")
async def post_report(request: web.Request) -> web.StreamResponse:
    form: dict[str, Any] = dict(await read_form(request))
    me = await require_viewer(request)
    target_id = _target_id(request)
    parts = await posted(request)   # checkboxes send one field each
    form["status_ids"] = [v for v in parts.getall("status_ids", []) if isinstance(v, str)]
    form["rule_ids"] = [v for v in parts.getall("rule_ids", []) if isinstance(v, str)]
    status_ids = [parse_id(v) for v in form["status_ids"]]
    category = form.get("category") or "other"
    try:
        async with request.app[DB].transaction() as conn:
            target = await follows.get_account_or_404(conn, target_id)
            known = {str(r.id) for r in await list_rules(conn)}
            await reports.file_report(
                conn, reporter_id=me.id, target_id=target.id,
                status_ids=[i for i in status_ids if i is not None],
                comment=form.get("comment", "").strip(), category=category,
                rule_ids=form["rule_ids"] if category == "violation" else [],
                known_rule_ids=known, forward=form.get("forward") == "on",
                now=request.app[CLOCK].now())
    except ValidationError as exc:
        message = exc.message.removeprefix("Validation failed: ")
        return await _page(request, me, target_id, form=form,
                           error=message[:1].upper() + message[1:], status=422)
    return see_other(f"/@{target.acct()}?notice=report_sent")
