"""Actions on another account: /api/v1/accounts/:id/{follow,unfollow,block,...}. Each answers
with the Relationship as it now stands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from aiohttp import web

from server.accounts.queries import Account
from server.api import queries
from server.api.auth import require_token
from server.api.entities.accounts import to_mastodon_relationship
from server.api.params import Params, match_id, read_params
from server.config import Config
from server.db import Conn
from server.follows import service as follows
from server.relations import service as relations
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
Action = Callable[[Conn, Account, Account, Params, datetime, Config], Awaitable[None]]


async def _act(request: web.Request, scope: str, action: Action) -> web.Response:
    token = await require_token(request, scope)
    assert token.account_id is not None
    target_id = match_id(request)
    params = await read_params(request)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        me = await follows.get_account_or_404(conn, token.account_id)
        target = await follows.get_account_or_404(conn, target_id)
        await action(conn, me, target, params, now, request.app[CONFIG])
        rows = await queries.list_relationships(conn, viewer_id=me.id, account_ids=[target.id],
                                                now=now, with_suspended=False)
    return web.json_response(to_mastodon_relationship(rows[0]))


async def _follow(conn: Conn, me: Account, target: Account, p: Params, now: datetime,
                  config: Config) -> None:
    reblogs, notify = p.bool("reblogs"), p.bool("notify")
    await follows.follow(conn, config=config, follower=me, target=target, now=now,
                         reblogs=True if reblogs is None else reblogs, notify=bool(notify))


async def _mute(conn: Conn, me: Account, target: Account, p: Params, now: datetime,
                config: Config) -> None:
    duration = p.int("duration", minimum=0, maximum=10 * 365 * 86400) or 0
    hide = p.bool("notifications")
    await follows.mute(conn, account=me, target=target, now=now,
                       notifications_too=True if hide is None else hide,
                       expires_at=now + timedelta(seconds=duration) if duration else None)


async def _note(conn: Conn, me: Account, target: Account, p: Params, now: datetime,
                config: Config) -> None:
    await relations.set_note(conn, account=me, target=target,
                             comment=p.str("comment") or "", now=now)


ACTIONS: dict[str, tuple[str, Action]] = {
    "follow": ("write:follows", _follow),
    "unfollow": ("write:follows",
                 lambda c, me, t, p, now, cfg: follows.unfollow(c, follower=me, target=t, now=now)),
    "remove_from_followers": ("write:follows", lambda c, me, t, p, now, cfg:
                              follows.remove_from_followers(c, account=me, follower=t, now=now)),
    "block": ("write:blocks",
              lambda c, me, t, p, now, cfg: follows.block(c, config=cfg, account=me, target=t,
                                                          now=now)),
    "unblock": ("write:blocks",
                lambda c, me, t, p, now, cfg: follows.unblock(c, account=me, target=t, now=now)),
    "mute": ("write:mutes", _mute),
    "unmute": ("write:mutes", lambda c, me, t, p, now, cfg: follows.unmute(c, account=me, target=t)),
    "note": ("write:accounts", _note),
    "pin": ("write:accounts",
            lambda c, me, t, p, now, cfg: relations.endorse(c, account=me, target=t, now=now)),
    "unpin": ("write:accounts",
              lambda c, me, t, p, now, cfg: relations.unendorse(c, account=me, target=t)),
}


def _route(name: str, scope: str, action: Action) -> None:
    async def handler(request: web.Request) -> web.Response:
        return await _act(request, scope, action)

    handler.__name__ = f"accounts_{name}"
    routes.post(rf"/api/v1/accounts/{{id}}/{name}")(handler)


for _name, (_scope, _action) in ACTIONS.items():
    _route(_name, _scope, _action)
