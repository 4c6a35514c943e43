"""What every client API response shares: rate limits with their X-RateLimit-* headers,
CORS for browser clients, and no caching of personal data.

Limits follow Mastodon's: 300 requests per 5 minutes per token (per address without one),
media uploads 30 per 30 minutes and posting 300 per 3 hours per account. Requests are
counted in process memory and the counts added to PostgreSQL in batches (server.api.
ratecounter), so every web process shares them, approximately, without a statement per
request.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from functools import lru_cache

from aiohttp import web

from server.api.auth import lookup_token
from server.api.ratecounter import rate_counter
from server.web import ratelimit
from server.web.errors import Handler
from server.web.sessions import client_ip
from server.web.state import CLOCK, DB

log = logging.getLogger(__name__)

TOO_MANY = "Too many requests"
GENERAL = ratelimit.Limit("api", 300, timedelta(minutes=5), TOO_MANY)
MEDIA = ratelimit.Limit("api_media", 30, timedelta(minutes=30), TOO_MANY)
STATUSES = ratelimit.Limit("api_statuses", 300, timedelta(hours=3), TOO_MANY)
# (method, path) -> the tighter limit that also applies, counted per account.
ENDPOINT_LIMITS: tuple[tuple[str, re.Pattern[str], ratelimit.Limit], ...] = (
    ("POST", re.compile(r"^/api/v[12]/media/?$"), MEDIA),
    ("POST", re.compile(r"^/api/v1/statuses/?$"), STATUSES),
    ("POST", re.compile(r"^/api/v1/statuses/\d+/reblog/?$"), STATUSES),
)

# The methods ENDPOINT_LIMITS name: other requests (GETs above all) skip matching them.
_LIMITED_METHODS = frozenset(method for method, _, _ in ENDPOINT_LIMITS)
_LIMITED = ("/api/", "/oauth/token", "/oauth/revoke", "/oauth/userinfo")
_CORS = (*_LIMITED, "/.well-known/oauth-authorization-server", "/nodeinfo/",
         "/.well-known/nodeinfo")
_EXPOSED = "Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-Request-Id"


@lru_cache(maxsize=256)
def _iso(when: datetime) -> str:
    # Windows start on whole seconds and every request in one shows the same reset time.
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _set_limit_headers(response: web.StreamResponse, usage: ratelimit.Usage) -> None:
    response.headers["X-RateLimit-Limit"] = str(usage.limit)
    response.headers["X-RateLimit-Remaining"] = str(usage.remaining)
    response.headers["X-RateLimit-Reset"] = _iso(usage.reset_at)


async def _count(request: web.Request, now: datetime) -> tuple[ratelimit.Usage, bool]:
    """Count the request against every limit that applies; report the tightest one shown
    to the client and whether any was exceeded."""
    token = await lookup_token(request)
    key = f"token:{token.token_id}" if token else f"ip:{client_ip(request)}"
    counter = rate_counter(request.app)
    usage = counter.hit(GENERAL, key, now)
    exceeded = usage.exceeded
    if request.method in _LIMITED_METHODS:
        account_key = f"account:{token.account_id}" if token and token.account_id else key
        for method, pattern, limit in ENDPOINT_LIMITS:
            if request.method == method and pattern.match(request.path):
                specific = counter.hit(limit, account_key, now)
                exceeded = exceeded or specific.exceeded
                if specific.remaining < usage.remaining or specific.exceeded:
                    usage = specific
    if counter.due():   # in the background: this request is answered without waiting
        counter.flush_soon(request.app, now)
    return usage, exceeded


def _cors(request: web.Request, response: web.StreamResponse) -> None:
    if request.headers.get("Origin") and request.path.startswith(_CORS):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = _EXPOSED


def _preflight(request: web.Request) -> web.Response:
    response = web.Response(status=204)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = request.headers.get(
        "Access-Control-Request-Headers", "Authorization, Content-Type, Idempotency-Key")
    response.headers["Access-Control-Max-Age"] = "7200"
    return response


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Runs outside the error middleware, so errors carry the headers too."""
    path = request.path
    if not path.startswith(_CORS):
        return await handler(request)
    if request.method == "OPTIONS" and request.headers.get("Origin"):
        return _preflight(request)
    usage = None
    if path.startswith(_LIMITED):
        now = request.app[CLOCK].now()
        try:
            usage, exceeded = await _count(request, now)
        except Exception:  # the limiter must not turn a working request into an error
            log.exception("rate limit check failed for %s %s", request.method, path)
            usage, exceeded = None, False
        if usage is not None and exceeded:
            response = web.json_response({"error": TOO_MANY}, status=429)
            response.headers["Retry-After"] = str(usage.retry_after(now))
            _set_limit_headers(response, usage)
            _cors(request, response)
            return response
    response = await handler(request)
    if usage is not None:
        _set_limit_headers(response, usage)
    if path.startswith("/api/") and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    _cors(request, response)
    return response
