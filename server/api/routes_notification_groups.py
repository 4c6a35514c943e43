"""Grouped notifications, /api/v2/notifications: the list, one group, a group's accounts,
dismissing a group and the unread count of groups (Mastodon 4.3)."""

from __future__ import annotations

from aiohttp import web

from server.api.auth import require_token
from server.api.entities.accounts import render_accounts
from server.api.entities.notification_groups import render_groups
from server.api.pagination import link_header, page_params, paginate
from server.api.params import Params, parse_id, read_params
from server.api.status_responses import json_body
from server.errors import BadRequestError, NotFoundError
from server.markers import queries as markers_q
from server.notifications import groups
from server.notifications import queries as notifications_q
from server.notifications.queries import GroupFilter
from server.notifications.service import GROUPABLE, TYPES
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
GROUP = r"/api/v2/notifications/{group_key}"


def _grouped_types(params: Params) -> list[str]:
    if not params.has("grouped_types"):
        return list(GROUPABLE)
    return [t for t in params.list("grouped_types") if t in GROUPABLE]


def _filter(params: Params) -> GroupFilter:
    types = [t for t in params.list("types") if t in TYPES] if params.has("types") else None
    sender = params.str("account_id", strip=True)
    return GroupFilter(types=types, exclude_types=params.list("exclude_types"),
                       from_account_id=parse_id(sender) if sender else None,
                       grouped_types=_grouped_types(params),
                       include_filtered=params.bool("include_filtered") or bool(sender))


def _partial(params: Params) -> bool:
    value = params.str("expand_accounts", strip=True)
    if value in (None, "", "full"):
        return False
    if value == "partial_avatars":
        return True
    raise BadRequestError(f"Invalid value for 'expand_accounts': '{value}', allowed values "
                          "are 'full' and 'partial_avatars'")


@routes.get("/api/v2/notifications")
async def groups_list(request: web.Request) -> web.Response:
    token = await require_token(request, "read:notifications")
    assert token.account_id is not None
    params = await read_params(request)
    page = page_params(params, default=40, maximum=80)
    where, partial = _filter(params), _partial(params)
    config = request.app[CONFIG]
    async with request.app[DB].acquire() as conn:
        found = await groups.page_groups(conn, account_id=token.account_id, where=where,
                                         max_id=page.max_id, since_id=page.since_id,
                                         min_id=page.min_id, limit=page.limit)
        body = await render_groups(conn, config, found, viewer_id=token.account_id,
                                   now=request.app[CLOCK].now(), partial=partial)
    response = json_body(body)
    if found:   # as Mastodon: a next link whenever the page has groups
        header = link_header(config, request.path, list(request.query.items()),
                             next_max_id=found[-1].notification["id"],
                             prev_min_id=found[0].notification["id"])
        if header:
            response.headers["Link"] = header
    return response


@routes.get("/api/v2/notifications/unread_count")
async def groups_unread_count(request: web.Request) -> web.Response:
    """Groups above the `notifications` read marker, counted up to `limit` (100 by
    default, at most 1000)."""
    token = await require_token(request, "read:notifications")
    assert token.account_id is not None
    params = await read_params(request)
    limit = min(abs(params.int("limit") or 0) or 100, 1000)
    async with request.app[DB].acquire() as conn:
        markers = await markers_q.list_markers(conn, account_id=token.account_id,
                                               timelines=["notifications"])
        count = await notifications_q.count_notification_groups(
            conn, account_id=token.account_id,
            after_id=markers[0]["last_read_id"] if markers else None, limit=limit,
            grouped_types=_grouped_types(params))
    return web.json_response({"count": count})


@routes.get(GROUP)
async def groups_get(request: web.Request) -> web.Response:
    token = await require_token(request, "read:notifications")
    assert token.account_id is not None
    key = request.match_info["group_key"]
    async with request.app[DB].acquire() as conn:
        row = await notifications_q.newest_in_group(conn, account_id=token.account_id,
                                                    group_key=key,
                                                    ungrouped_id=groups.ungrouped_id(key))
        if row is None:
            raise NotFoundError("Record not found")
        found = await groups.groups_of(conn, account_id=token.account_id, rows=[row])
        body = await render_groups(conn, request.app[CONFIG], found,
                                   viewer_id=token.account_id, now=request.app[CLOCK].now())
    if not body["notification_groups"]:
        raise NotFoundError("Record not found")
    return json_body(body)


@routes.get(GROUP + "/accounts")
async def groups_accounts(request: web.Request) -> web.Response:
    token = await require_token(request, "read:notifications")
    assert token.account_id is not None
    key = request.match_info["group_key"]
    page = page_params(await read_params(request), default=40, maximum=80)
    config = request.app[CONFIG]
    async with request.app[DB].acquire() as conn:
        rows = await notifications_q.page_group_senders(
            conn, account_id=token.account_id, group_key=key,
            ungrouped_id=groups.ungrouped_id(key), max_id=page.max_id,
            since_id=page.since_id, min_id=page.min_id, limit=page.limit)
        entities = await render_accounts(conn, config, [r["account_id"] for r in rows])
    response = json_body([entities[r["account_id"]] for r in rows if r["account_id"] in entities])
    paginate(response, request, config, page, [r["page_id"] for r in rows])
    return response


@routes.post(GROUP + "/dismiss")
async def groups_dismiss(request: web.Request) -> web.Response:
    token = await require_token(request, "write:notifications")
    assert token.account_id is not None
    key = request.match_info["group_key"]
    async with request.app[DB].transaction() as conn:
        await notifications_q.dismiss_group(conn, account_id=token.account_id, group_key=key,
                                            ungrouped_id=groups.ungrouped_id(key))
    return web.json_response({})
