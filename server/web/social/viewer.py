"""Who is reading: the signed-in member's account, or a redirect to sign in that comes back."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.db import Conn
from server.errors import ForbiddenError, NotFoundError, UnauthorizedError
from server.ids import parse_id
from server.statuses import service
from server.statuses.queries import Status
from server.web import sessions
from server.web.forms import local_path, see_other
from server.web.state import DB


async def viewer_account(request: web.Request) -> Account | None:
    user = await sessions.current_user(request)
    if user is None:
        return None
    async with request.app[DB].acquire() as conn:
        return await accounts_q.get_account(conn, account_id=user.account_id)


async def require_viewer(request: web.Request) -> Account:
    """For forms: a POST without a session is refused (a GET page redirects instead)."""
    account = await viewer_account(request)
    if account is None:
        raise UnauthorizedError("Sign in to do that.")
    return account


def sign_in_first(request: web.Request) -> web.Response:
    return see_other("/auth/sign_in?next=" + quote(request.path_qs, safe="/"))


MemberHandler = Callable[[web.Request, Account], Awaitable[web.StreamResponse]]


def members_page(handler: MemberHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A page for the signed-in member, who is passed to it; signed out, the browser is sent
    to sign in and brought back here afterwards."""
    @functools.wraps(handler)
    async def page(request: web.Request) -> web.StreamResponse:
        viewer = await viewer_account(request)
        if viewer is None:
            return sign_in_first(request)
        return await handler(request, viewer)
    return page


def max_id(request: web.Request) -> int | None:
    """The "Older" link's cursor; anything unreadable is the first page."""
    return parse_id(request.query.get("max_id", ""))


def back_to(form: dict[str, str], default: str) -> str:
    """Where a form returns to: the page it was posted from, when that is on this site."""
    return local_path(form.get("next", ""), default=default)


async def own_status(conn: Conn, account: Account, status_id: int, *, verb: str) -> Status:
    """The viewer's own post, to `verb` ("edit", "delete"): one they cannot see is not found,
    someone else's is refused."""
    status = await service.access_status_for_viewing(conn, status_id=status_id, viewer=account)
    if status.reblog_of_id is not None:
        raise NotFoundError("There is no such post.")
    if status.account_id != account.id:
        raise ForbiddenError(f"You can only {verb} your own posts.")
    return status
