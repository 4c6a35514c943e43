"""Reports (POST /api/v1/reports): a member tells the moderators about an account."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api.auth import require_token
from server.api.entities.accounts import render_account
from server.api.entities.common import iso
from server.api.params import parse_id, read_params
from server.api.rules import list_rules
from server.config import Config
from server.db import Conn
from server.errors import NotFoundError, ValidationError
from server.reports import service
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


async def to_mastodon_report(conn: Conn, config: Config, report: dict[str, Any]) -> dict[str, Any]:
    [target_id] = report["target_account_ids"]
    return {
        "id": str(report["id"]),
        "action_taken": report["action_taken"] != "open",
        "action_taken_at": iso(report["action_taken_at"]) if report["action_taken_at"] else None,
        "category": report["category"],
        "comment": report["comment"],
        "forwarded": report["forwarded"],
        "created_at": iso(report["received_at"]),
        "status_ids": [str(i) for i in report["status_ids"]] or None,
        "rule_ids": list(report["rule_ids"]) or None,
        "target_account": await render_account(conn, config, target_id),
    }


@routes.post("/api/v1/reports")
async def reports_create(request: web.Request) -> web.Response:
    token = await require_token(request, "write:reports")
    assert token.account_id is not None
    params = await read_params(request)
    target_id = parse_id(params.str("account_id"))
    if target_id is None:
        raise ValidationError("Validation failed: account_id is missing", field="account_id")
    status_ids = [parse_id(s) for s in params.list("status_ids")]
    if any(s is None for s in status_ids):
        raise ValidationError("Validation failed: a status id is not valid", field="status_ids")
    config = request.app[CONFIG]
    async with request.app[DB].transaction() as conn:
        rules = {str(r.id) for r in await list_rules(conn)}
        try:
            report = await service.file_report(
                conn, reporter_id=token.account_id, target_id=target_id,
                status_ids=[s for s in status_ids if s is not None],
                comment=params.str("comment") or "", category=params.str("category"),
                rule_ids=params.list("rule_ids"), known_rule_ids=rules,
                forward=bool(params.bool("forward")), now=request.app[CLOCK].now())
        except NotFoundError:
            raise ValidationError("Validation failed: the reported account does not exist",
                                  field="account_id") from None
        entity = await to_mastodon_report(conn, config, report)
    return web.json_response(entity)
