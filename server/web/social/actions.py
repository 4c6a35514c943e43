"""Forms that act on a status or an account: boost, favourite, bookmark (and undoing them),
delete after a confirmation page, follow, mute and block (and undoing them), and answering
follow requests.
Each calls the service function the API calls, then sends the browser back where it was."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from server.accounts.queries import Account
from server.api.entities.statuses import render_status
from server.config import Config
from server.db import Conn
from server.errors import NotFoundError
from server.follows import service as follows
from server.ids import parse_id
from server.statuses import actions, service
from server.web.forms import read_form, see_other
from server.web.html import render
from server.web.social.viewer import back_to, members_page, own_status, require_viewer
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
StatusAction = Callable[[Conn, Config, Account, int, datetime], Awaitable[Any]]

STATUS_ACTIONS: dict[str, StatusAction] = {
    # Boosts from the web are public, as Mastodon's web interface makes them by default.
    "reblog": lambda c, cfg, a, i, n: service.reblog(c, config=cfg, account=a, status_id=i, now=n),
    "unreblog": lambda c, cfg, a, i, n: service.unreblog(c, account=a, status_id=i, now=n),
    "favourite": lambda c, cfg, a, i, n: service.favourite(c, account=a, status_id=i, now=n),
    "unfavourite": lambda c, cfg, a, i, n: service.unfavourite(c, account=a, status_id=i, now=n),
    "bookmark": lambda c, cfg, a, i, n: actions.bookmark(c, account=a, status_id=i, now=n),
    "unbookmark": lambda c, cfg, a, i, n: actions.unbookmark(c, account=a, status_id=i),
}


def _id(request: web.Request, key: str = "id") -> int:
    value = parse_id(request.match_info[key])
    if value is None:
        raise NotFoundError("There is no such post.")
    return value


@routes.post(r"/statuses/{id:\d+}/{action:%s}" % "|".join(STATUS_ACTIONS))
async def post_status_action(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    account = await require_viewer(request)
    status_id = _id(request)
    act = STATUS_ACTIONS[request.match_info["action"]]
    async with request.app[DB].transaction() as conn:
        await act(conn, request.app[CONFIG], account, status_id, request.app[CLOCK].now())
    return see_other(back_to(form, f"/statuses/{status_id}") + f"#status-{status_id}")


@routes.get(r"/statuses/{id:\d+}/delete")
@members_page
async def get_delete(request: web.Request, account: Account) -> web.StreamResponse:
    async with request.app[DB].acquire() as conn:
        status = await own_status(conn, account, _id(request), verb="delete")
        entry = await render_status(conn, request.app[CONFIG], status, viewer_id=account.id,
                                    now=request.app[CLOCK].now())
    return await render(request, "social/delete.html", entry=entry, here=request.path)


@routes.post(r"/statuses/{id:\d+}/delete")
async def post_delete(request: web.Request) -> web.StreamResponse:
    await read_form(request)
    account = await require_viewer(request)
    async with request.app[DB].transaction() as conn:
        status = await own_status(conn, account, _id(request), verb="delete")
        await service.delete_status(conn, account=account, status_id=status.id,
                                    now=request.app[CLOCK].now())
    return see_other("/home?notice=deleted")


AccountAction = Callable[[Conn, Config, Account, Account, datetime], Awaitable[Any]]

ACCOUNT_ACTIONS: dict[str, AccountAction] = {
    # A remote account's follow goes out as an ActivityPub Follow (the follows service's
    # event); it stays a request until that server accepts.
    "follow": lambda c, cfg, me, t, n: follows.follow(c, config=cfg, follower=me, target=t, now=n),
    "unfollow": lambda c, cfg, me, t, n: follows.unfollow(c, follower=me, target=t, now=n),
    # Muted: their posts and notifications are hidden from you; they are not told.
    "mute": lambda c, cfg, me, t, n: follows.mute(c, account=me, target=t, now=n),
    "unmute": lambda c, cfg, me, t, n: follows.unmute(c, account=me, target=t),
    # Blocked: follows end both ways and they cannot see or reach you (their server is told).
    "block": lambda c, cfg, me, t, n: follows.block(c, config=cfg, account=me, target=t, now=n),
    "unblock": lambda c, cfg, me, t, n: follows.unblock(c, account=me, target=t, now=n),
}


@routes.post(r"/accounts/{id:\d+}/{action:%s}" % "|".join(ACCOUNT_ACTIONS))
async def post_account_action(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    me = await require_viewer(request)
    act = ACCOUNT_ACTIONS[request.match_info["action"]]
    async with request.app[DB].transaction() as conn:
        target = await follows.get_account_or_404(conn, _id(request))
        await act(conn, request.app[CONFIG], me, target, request.app[CLOCK].now())
    return see_other(back_to(form, f"/@{target.acct()}"))


@routes.post(r"/follow_requests/{id:\d+}/{decision:authorize|reject}")
async def post_follow_request(request: web.Request) -> web.StreamResponse:
    await read_form(request)
    me = await require_viewer(request)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        follower = await follows.get_account_or_404(conn, _id(request))
        decide = (follows.accept_request if request.match_info["decision"] == "authorize"
                  else follows.reject_request)
        await decide(conn, follower=follower, target=me, now=now)
    return see_other("/notifications")
