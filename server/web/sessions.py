"""Browser sessions: an HttpOnly, SameSite cookie holding a random token (stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from aiohttp import web

from server.accounts import queries as accounts_q
from server.accounts.queries import LocalUser
from server.errors import UnauthorizedError
from server.web import queries
from server.web.state import CLOCK, CONFIG, DB

COOKIE = "ch_session"
LIFETIME = timedelta(days=30)
_USER_KEY: web.RequestKey[LocalUser | None] = web.RequestKey("user", object)  # type: ignore[arg-type]


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def client_ip(request: web.Request) -> str:
    if request.app[CONFIG].trust_proxy_headers:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            # The proxy in front of us appends the address it saw; that one is trustworthy.
            return forwarded.split(",")[-1].strip()
    return request.remote or "unknown"


async def current_user(request: web.Request) -> LocalUser | None:
    if _USER_KEY in request:
        return request[_USER_KEY]
    user = None
    token = request.cookies.get(COOKIE)
    if token:
        now = request.app[CLOCK].now()
        async with request.app[DB].acquire() as conn:
            user_id = await queries.get_session_user(conn, token_hash=_hash(token), now=now)
            if user_id is not None:
                user = await accounts_q.get_local_user_by_id(conn, user_id=user_id)
    request[_USER_KEY] = user
    return user


async def require_user(request: web.Request) -> LocalUser:
    user = await current_user(request)
    if user is None:
        raise UnauthorizedError("Sign in to see this page.")
    return user


async def start(request: web.Request, response: web.StreamResponse, user: LocalUser) -> None:
    from server.web.csrf import set_cookie

    token = secrets.token_urlsafe(32)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        await queries.insert_session(conn, token_hash=_hash(token), user_id=user.id, now=now,
                                     expires_at=now + LIFETIME, ip=client_ip(request),
                                     user_agent=request.headers.get("User-Agent", "")[:500])
    set_cookie(request, response, COOKIE, token, max_age=int(LIFETIME.total_seconds()))


async def end(request: web.Request, response: web.StreamResponse) -> None:
    token = request.cookies.get(COOKIE)
    if token:
        async with request.app[DB].transaction() as conn:
            await queries.delete_session(conn, token_hash=_hash(token))
    response.del_cookie(COOKIE, path="/")


async def end_other_sessions(request: web.Request, user: LocalUser) -> None:
    token = request.cookies.get(COOKIE, "")
    async with request.app[DB].transaction() as conn:
        await queries.delete_other_sessions(conn, user_id=user.id, keep=_hash(token))
