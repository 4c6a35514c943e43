"""What the ActivityPub routes share: content negotiation, JSON answers, the job context;
and the one outgoing HTTP client session."""

from __future__ import annotations

import json
import ssl
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver

from server.errors import NotFoundError
from server.federation.activitypub.serialize import AP_CONTENT_TYPE, LD_CONTENT_TYPE
from server.federation.netguard import GuardedResolver
from server.jobs.context import JobContext
from server.web.state import CLOCK, CONFIG, DB, HTTP

_AP_TYPES = {"application/activity+json": AP_CONTENT_TYPE, "application/ld+json": LD_CONTENT_TYPE,
             "application/json": AP_CONTENT_TYPE}
_HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_ID = (1 << 63) - 1

if TYPE_CHECKING:
    from server.config import Config

USER_AGENT = "Commonhold/0.1 (+https://{domain}/)"
# Kept-alive connections make a delivery ~2.5x cheaper than a fresh TLS handshake, and posts
# to the same servers come minutes apart: keep idle connections for 75 s (nginx's default).
KEEPALIVE_SECONDS = 75.0
CONNECTIONS = 512        # open at once, all hosts: above the delivery worker's slots
CONNECTIONS_PER_HOST = 8  # never more than this to one server, however many jobs target it


@lru_cache(maxsize=1)
def default_ssl_context() -> ssl.SSLContext:
    """One context for the whole process: loading the system CA store costs milliseconds, and
    every session and connection can share it. OpenSSL honours SSL_CERT_FILE."""
    return ssl.create_default_context()


def client_session(config: Config, *, resolver: AbstractResolver | None = None,
                   ssl_context: ssl.SSLContext | None = None,
                   keepalive_timeout: float = KEEPALIVE_SECONDS) -> aiohttp.ClientSession:
    """The outgoing HTTP client: deliveries, fetches, WebFinger. Its resolver refuses private
    addresses unless the configuration allows them; tests and benchmarks pass a resolver that
    maps fake hosts to loopback (and the benchmarks a context trusting their certificate)."""
    guarded = GuardedResolver(resolver, allow_private=config.allow_private_addresses)
    connector = aiohttp.TCPConnector(ssl=ssl_context or default_ssl_context(), limit=CONNECTIONS,
                                     limit_per_host=CONNECTIONS_PER_HOST, ttl_dns_cache=300,
                                     resolver=guarded, keepalive_timeout=keepalive_timeout)
    # No cookie jar: nothing we fetch or deliver needs cookies, and a shared jar would carry
    # one server's cookies into later requests (and costs a lookup per request).
    return aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=30, connect=10),
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={"User-Agent": USER_AGENT.format(domain=config.domain)})


def context(app: web.Application) -> JobContext:
    """The same context a job gets, for code that runs in a request."""
    return JobContext(db=app[DB], clock=app[CLOCK], config=app[CONFIG], http=app.get(HTTP))


def _ranges(accept: str) -> list[tuple[str, float]]:
    found = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        found.append((media.lower(), q))
    return found


def activitypub_type(request: web.Request) -> str | None:
    """The content type to answer with when the client asked for ActivityPub JSON (at least
    as much as for HTML); None when it wants a page."""
    best_ap, best_ap_q, best_html_q = None, 0.0, 0.0
    for media, q in _ranges(request.headers.get("Accept", "")):
        if media in _AP_TYPES and q > best_ap_q:
            best_ap, best_ap_q = _AP_TYPES[media], q
        elif media in _HTML_TYPES:
            best_html_q = max(best_html_q, q)
    if best_ap is not None and best_ap_q >= best_html_q:
        return best_ap
    return None


def ap_response(doc: dict[str, Any], *, content_type: str = AP_CONTENT_TYPE, status: int = 200,
                cache_seconds: int = 60) -> web.Response:
    response = web.Response(status=status, body=json.dumps(doc, ensure_ascii=False).encode())
    response.headers["Content-Type"] = (content_type if "profile=" in content_type
                                        else f"{content_type}; charset=utf-8")
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = f"max-age={cache_seconds}, public"
    return response


def int_id(text: str) -> int:
    """A numeric id from a URL; anything out of range is simply not found."""
    value = int(text)
    if value > MAX_ID:
        raise NotFoundError("There is nothing here.")
    return value
