"""Notifications: /api/v1/notifications (list, one, dismiss, clear, unread count)."""

from __future__ import annotations

from aiohttp import web

from server.api.auth import require_token
from server.api.entities.notifications import render_notifications
from server.api.pagination import page_params, paginate
from server.api.params import match_id, parse_id, read_params
from server.api.status_responses import json_body
from server.errors import NotFoundError
from server.markers import queries as markers_q
from server.notifications import queries as notifications_q
from server.notifications.service import TYPES
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


@routes.get("/api/v1/notifications")
async def notifications_list(request: web.Request) -> web.Response:
    token = await require_token(request, "read:notifications")
    assert token.account_id is not None
    params = await read_params(request)
    page = page_params(params, default=40, maximum=80)
    types = [t for t in params.list("types") if t in TYPES] if params.has("types") else None
    from_account = params.str("account_id", strip=True)
    async with request.app[DB].acquire() as conn:
        rows = await notifications_q.list_notifications(
            conn, account_id=token.account_id, types=types,
            exclude_types=params.list("exclude_types"),
            from_account_id=parse_id(from_account) if from_account else None,
            max_id=page.max_id, since_id=page.since_id, min_id=page.min_id, limit=page.limit,
            include_filtered=params.bool("include_filtered") or bool(from_account))
        entities = await render_notifications(conn, request.app[CONFIG], rows,
                                              viewer_id=token.account_id,
                                              now=request.app[CLOCK].now(),
                                              encoded_at_once=True)
    response = json_body(entities)
    paginate(response, request, request.app[CONFIG], page, [r["id"] for r in rows])
    return response


@routes.get("/api/v1/notifications/unread_count")
async def notifications_unread_count(request: web.Request) -> web.Response:
    """Notifications above the `notifications` read marker (POST /api/v1/markers), with the
    list's type and sender filters, counted up to `limit` (100 by default, at most 1000) as
    Mastodon counts them. Without a marker every notification is unread."""
    token = await require_token(request, "read:notifications")
    assert token.account_id is not None
    params = await read_params(request)
    limit = min(abs(params.int("limit") or 0) or 100, 1000)
    types = [t for t in params.list("types") if t in TYPES] if params.has("types") else None
    from_account = params.str("account_id", strip=True)
    async with request.app[DB].acquire() as conn:
        markers = await markers_q.list_markers(conn, account_id=token.account_id,
                                               timelines=["notifications"])
        count = await notifications_q.count_notifications(
            conn, account_id=token.account_id,
            after_id=markers[0]["last_read_id"] if markers else None, limit=limit,
            types=types, exclude_types=params.list("exclude_types"),
            from_account_id=parse_id(from_account) if from_account else None)
    return web.json_response({"count": count})


@routes.post("/api/v1/notifications/clear")
async def notifications_clear(request: web.Request) -> web.Response:
    token = await require_token(request, "write:notifications")
    assert token.account_id is not None
    async with request.app[DB].transaction() as conn:
        await notifications_q.clear_notifications(conn, account_id=token.account_id)
    return web.json_response({})


@routes.get(r"/api/v1/notifications/{id:\d+}")
async def notifications_get(request: web.Request) -> web.Response:
    notification_id = match_id(request)
    token = await require_token(request, "read:notifications")
    assert token.account_id is not None
    async with request.app[DB].acquire() as conn:
        row = await notifications_q.get_notification(conn, notification_id=notification_id,
                                                     account_id=token.account_id)
        entities = await render_notifications(conn, request.app[CONFIG], [row] if row else [],
                                              viewer_id=token.account_id,
                                              now=request.app[CLOCK].now())
    if not entities:
        raise NotFoundError("Record not found")
    return web.json_response(entities[0])


@routes.post(r"/api/v1/notifications/{id:\d+}/dismiss")
async def notifications_dismiss(request: web.Request) -> web.Response:
    notification_id = match_id(request)
    token = await require_token(request, "write:notifications")
    assert token.account_id is not None
    async with request.app[DB].transaction() as conn:
        if not await notifications_q.delete_notification(conn, notification_id=notification_id,
                                                         account_id=token.account_id):
            raise NotFoundError("Record not found")
    return web.json_response({})
