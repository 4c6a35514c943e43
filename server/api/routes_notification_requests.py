"""Filtering notifications: the policy (/api/v2/notifications/policy) and the requests of
filtered senders (/api/v1/notifications/requests: list, one, accept, dismiss, in bulk too)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api.auth import require_token
from server.api.entities.accounts import render_accounts
from server.api.entities.common import iso
from server.api.entities.statuses import render_statuses
from server.api.pagination import page_params, paginate
from server.api.params import ids_param, match_id, read_params
from server.config import Config
from server.db import Conn
from server.errors import NotFoundError, ValidationError
from server.notifications import queries
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
POLICY = "/api/v2/notifications/policy"
REQUESTS = "/api/v1/notifications/requests"
ACTIONS = ("accept", "filter", "drop")


def _policy_entity(row: dict[str, Any]) -> dict[str, Any]:
    return {**{k: row[k] for k in queries.POLICY_KEYS},
            "summary": {"pending_requests_count": int(row["pending_requests"]),
                        "pending_notifications_count": int(row["pending_notifications"])}}


@routes.get(POLICY)
async def policy_get(request: web.Request) -> web.Response:
    token = await require_token(request, "read:notifications")
    assert token.account_id is not None
    async with request.app[DB].acquire() as conn:
        row = await queries.get_notification_policy(conn, account_id=token.account_id)
    return web.json_response(_policy_entity(row))


@routes.patch(POLICY)
@routes.put(POLICY)
async def policy_update(request: web.Request) -> web.Response:
    token = await require_token(request, "write:notifications")
    assert token.account_id is not None
    params = await read_params(request)
    changes: dict[str, str | None] = {}
    for key in queries.POLICY_KEYS:
        value = params.str(key, strip=True)
        if value in (None, ""):
            continue
        if value not in ACTIONS:
            raise ValidationError(f"Validation failed: {key} must be one of accept, filter "
                                  "or drop", field=key)
        changes[key] = value
    async with request.app[DB].transaction() as conn:
        await queries.set_notification_policy(conn, account_id=token.account_id,
                                              changes=changes)
        row = await queries.get_notification_policy(conn, account_id=token.account_id)
    return web.json_response(_policy_entity(row))


async def _render(conn: Conn, config: Config, rows: list[dict[str, Any]], *, viewer_id: int,
                  now: Any) -> list[dict[str, Any]]:
    accounts = await render_accounts(conn, config, [r["from_account_id"] for r in rows])
    statuses = {int(s["id"]): s for s in await render_statuses(
        conn, config, [r["last_status_id"] for r in rows if r["last_status_id"]],
        viewer_id=viewer_id, now=now)}
    out = []
    for row in rows:
        if row["from_account_id"] not in accounts:
            continue
        entity: dict[str, Any] = {
            "id": str(row["id"]), "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]),
            "notifications_count": str(row["notifications_count"]),
            "account": accounts[row["from_account_id"]]}
        if row["last_status_id"] in statuses:
            entity["last_status"] = statuses[row["last_status_id"]]
        out.append(entity)
    return out


@routes.get(REQUESTS)
async def requests_list(request: web.Request) -> web.Response:
    token = await require_token(request, "read:notifications")
    assert token.account_id is not None
    page = page_params(await read_params(request), default=40, maximum=80)
    config = request.app[CONFIG]
    async with request.app[DB].acquire() as conn:
        rows = await queries.page_notification_requests(
            conn, account_id=token.account_id, max_id=page.max_id, since_id=page.since_id,
            min_id=page.min_id, limit=page.limit)
        body = await _render(conn, config, rows, viewer_id=token.account_id,
                             now=request.app[CLOCK].now())
    response = web.json_response(body)
    paginate(response, request, config, page, [r["id"] for r in rows])
    return response


@routes.get(REQUESTS + "/merged")
async def requests_merged(request: web.Request) -> web.Response:
    """Accepted requests join the lists in the same transaction: always merged."""
    await require_token(request, "read:notifications")
    return web.json_response({"merged": True})


@routes.get(REQUESTS + r"/{id:\d+}")
async def requests_get(request: web.Request) -> web.Response:
    token = await require_token(request, "read:notifications")
    assert token.account_id is not None
    async with request.app[DB].acquire() as conn:
        rows = await queries.get_notification_requests(conn, account_id=token.account_id,
                                                       ids=[match_id(request)])
        body = await _render(conn, request.app[CONFIG], rows, viewer_id=token.account_id,
                             now=request.app[CLOCK].now())
    if not body:
        raise NotFoundError("Record not found")
    return web.json_response(body[0])


async def _decide(request: web.Request, ids: list[int], *, accept: bool,
                  one: bool) -> web.Response:
    token = await require_token(request, "write:notifications")
    assert token.account_id is not None
    async with request.app[DB].transaction() as conn:
        if accept:
            done = await queries.accept_notification_requests(
                conn, account_id=token.account_id, ids=ids, now=request.app[CLOCK].now())
        else:
            done = await queries.dismiss_notification_requests(
                conn, account_id=token.account_id, ids=ids)
    if one and not done:
        raise NotFoundError("Record not found")
    return web.json_response({})


async def _ids(request: web.Request) -> list[int]:
    return ids_param(await read_params(request), 100)


@routes.post(REQUESTS + r"/{id:\d+}/accept")
async def requests_accept(request: web.Request) -> web.Response:
    return await _decide(request, [match_id(request)], accept=True, one=True)


@routes.post(REQUESTS + r"/{id:\d+}/dismiss")
async def requests_dismiss(request: web.Request) -> web.Response:
    return await _decide(request, [match_id(request)], accept=False, one=True)


@routes.post(REQUESTS + "/accept")
async def requests_accept_many(request: web.Request) -> web.Response:
    return await _decide(request, await _ids(request), accept=True, one=False)


@routes.post(REQUESTS + "/dismiss")
async def requests_dismiss_many(request: web.Request) -> web.Response:
    return await _decide(request, await _ids(request), accept=False, one=False)
