"""Who is reading: the signed-in member's account, or a redirect to sign in that comes back."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.errors import UnauthorizedError
from server.ids import parse_id
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


def max_id(request: web.Request) -> int | None:
    """The "Older" link's cursor; anything unreadable is the first page."""
    return parse_id(request.query.get("max_id", ""))


def back_to(form: dict[str, str], default: str) -> str:
    """Where a form returns to: the page it was posted from, when that is on this site."""
    return local_path(form.get("next", ""), default=default)
