"""Who is calling, for every governance page and API route.

A caller is either the signed-in browser session or the user of an OAuth bearer token (the
same tokens as the Mastodon client API: `read` to read, `write` to propose and vote).
Writes authenticated by the session cookie need the CSRF token (form field `csrf_token`,
or the `X-CSRF-Token` header for JSON); writes authenticated by a token do not, since a
cross-site page cannot attach one.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from server.accounts import queries as accounts_q
from server.accounts.queries import LocalUser
from server.api.auth import require_token
from server.errors import BadRequestError, UnauthorizedError
from server.web import csrf, sessions
from server.web.forms import posted
from server.web.state import DB

CSRF_HEADER = "X-CSRF-Token"


def _has_bearer(request: web.Request) -> bool:
    header = request.headers.get("Authorization", "")
    return header[:7].lower() == "bearer "


async def calling_account(request: web.Request) -> LocalUser | None:
    """The local user making this request, or None for an anonymous one. A bearer token
    that is invalid, or lacks the scope, is an error (401/403), never anonymity."""
    if _has_bearer(request):
        scope = "read" if request.method in ("GET", "HEAD") else "write"
        token = await require_token(request, scope)
        async with request.app[DB].acquire() as conn:
            return await accounts_q.get_local_user_by_id(conn, user_id=token.user_id)
    return await sessions.current_user(request)


async def require_caller(request: web.Request) -> LocalUser:
    user = await calling_account(request)
    if user is None:
        raise UnauthorizedError("Sign in to do that.")
    return user


async def caller_account_id(request: web.Request) -> int | None:
    user = await calling_account(request)
    return user.account_id if user else None


async def read_body(request: web.Request) -> dict[str, Any]:
    """A JSON object or a form, as a dict; repeated form fields become lists."""
    if request.content_type == "application/json":
        try:
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadRequestError("The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise BadRequestError("The request body must be a JSON object.")
        return data
    form = await posted(request)
    out: dict[str, Any] = {}
    for key in form:
        values = [v for v in form.getall(key) if isinstance(v, str)]
        out[key] = values[0] if len(values) == 1 else values
    return out


async def require_writer(request: web.Request, body: dict[str, Any]) -> LocalUser:
    """The caller of a state-changing request, with CSRF checked for session callers."""
    user = await require_caller(request)
    if not _has_bearer(request):
        token = body.get(csrf.FIELD) or request.headers.get(CSRF_HEADER, "")
        csrf.check(request, {csrf.FIELD: token})
    return user
