"""Authorized fetch ("secure mode"): with COMMONHOLD_AUTHORIZED_FETCH on, ActivityPub
documents of our members and the co-op (actors, posts, collections) are served only to
requests signed by a server we federate with, and never to a domain the members suspended.

The instance actor (`/actor`) stays public: other servers fetch it to check the signatures
we put on our own fetches, and could not sign that first request. Pages for browsers are
not affected; WebFinger and NodeInfo stay public, as in Mastodon's secure mode.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from server.errors import ForbiddenError
from server.federation import queries, uris
from server.federation.activitypub import keyring
from server.federation.activitypub.http import activitypub_type, context
from server.web.state import CONFIG, DB

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PROTECTED_PREFIXES = ("/users/", "/actor/coop")


def is_protected(request: web.Request) -> bool:
    return (request.method in ("GET", "HEAD")
            and request.path.startswith(PROTECTED_PREFIXES)
            and activitypub_type(request) is not None)


@web.middleware
async def authorized_fetch_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.app[CONFIG].authorized_fetch and is_protected(request):
        key = await keyring.verified_signer(context(request.app), request, b"")
        host = uris.host_of(key.owner_uri)
        async with request.app[DB].acquire() as conn:
            policies = await queries.list_domain_policies_for(conn, domains=uris.domain_suffixes(host))
        if any(p["severity"] == "suspend" for p in policies):
            raise ForbiddenError("This server does not share documents with yours.")
    return await handler(request)
