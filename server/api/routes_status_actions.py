"""What a caller does to a status: boost, favourite, bookmark, pin, mute its conversation;
and who boosted or favourited it. Each answers with the status as the caller now sees it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from server.api.auth import optional_token, require_token
from server.api.entities.accounts import render_accounts
from server.api.pagination import page_params, paginate
from server.api.params import Params, match_id, read_params
from server.api.status_responses import caller_account, status_response
from server.api.statusviews import queries as views_q
from server.config import Config
from server.statuses import actions, service
from server.statuses import queries as statuses_q
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
Action = Callable[[Any, Any, int, Any, Any], Awaitable[Any]]


@dataclass(frozen=True)
class _Extra:
    params: Params
    config: Config


async def _act(request: web.Request, scope: str, action: Action) -> web.Response:
    status_id = match_id(request)
    token = await require_token(request, scope)
    params = await read_params(request)
    async with request.app[DB].transaction() as conn:
        account = await caller_account(conn, token)
        status = await action(conn, account, status_id, request.app[CLOCK].now(),
                              _Extra(params, request.app[CONFIG]))
        # Read again: the counters were changed by triggers after the action read it.
        status = await statuses_q.get_status(conn, status_id=status.id)
        return await status_response(request, conn, status, viewer_id=account.id)


def _action_route(path: str, scope: str, action: Action) -> None:
    async def handler(request: web.Request) -> web.Response:
        return await _act(request, scope, action)

    handler.__name__ = "statuses_" + path.rsplit("/", 1)[-1]
    routes.post(r"/api/v1/statuses/{id:\d+}/" + path)(handler)


async def _reblog(conn: Any, account: Any, status_id: int, now: Any, extra: _Extra) -> Any:
    visibility = extra.params.str("visibility", strip=True) or "public"
    return await service.reblog(conn, config=extra.config, account=account, status_id=status_id, now=now,
                                visibility=visibility)


_action_route("reblog", "write:statuses", _reblog)
_action_route("unreblog", "write:statuses", lambda c, a, i, n, p: service.unreblog(
    c, account=a, status_id=i, now=n))
_action_route("favourite", "write:favourites", lambda c, a, i, n, p: service.favourite(
    c, account=a, status_id=i, now=n))
_action_route("unfavourite", "write:favourites", lambda c, a, i, n, p: service.unfavourite(
    c, account=a, status_id=i, now=n))
_action_route("bookmark", "write:bookmarks", lambda c, a, i, n, p: actions.bookmark(
    c, account=a, status_id=i, now=n))
_action_route("unbookmark", "write:bookmarks", lambda c, a, i, n, p: actions.unbookmark(
    c, account=a, status_id=i))
_action_route("pin", "write:accounts", lambda c, a, i, n, p: actions.pin(
    c, account=a, status_id=i, now=n))
_action_route("unpin", "write:accounts", lambda c, a, i, n, p: actions.unpin(
    c, account=a, status_id=i))
_action_route("mute", "write:mutes", lambda c, a, i, n, p: actions.mute_conversation(
    c, account=a, status_id=i))
_action_route("unmute", "write:mutes", lambda c, a, i, n, p: actions.unmute_conversation(
    c, account=a, status_id=i))


async def _who(request: web.Request, lister: Callable[..., Awaitable[list[tuple[int, int]]]]) -> web.Response:
    status_id = match_id(request)
    token = await optional_token(request, "read:accounts")
    page = page_params(await read_params(request), default=40, maximum=80)
    config = request.app[CONFIG]
    async with request.app[DB].acquire() as conn:
        viewer = await caller_account(conn, token)
        status = await service.access_status_for_viewing(conn, status_id=status_id, viewer=viewer)
        rows = await lister(conn, status_id=status.id, max_id=page.max_id,
                            since_id=page.since_id or page.min_id, limit=page.limit)
        accounts = await render_accounts(conn, config, [a for _, a in rows])
    response = web.json_response([accounts[a] for _, a in rows if a in accounts])
    paginate(response, request, config, page, [p for p, _ in rows])
    return response


@routes.get(r"/api/v1/statuses/{id:\d+}/reblogged_by")
async def statuses_reblogged_by(request: web.Request) -> web.Response:
    return await _who(request, views_q.list_rebloggers)


@routes.get(r"/api/v1/statuses/{id:\d+}/favourited_by")
async def statuses_favourited_by(request: web.Request) -> web.Response:
    return await _who(request, views_q.list_favouriters)
