"""Actor documents: each member's `Person` at /users/NAME (a profile page for browsers at
the same URL and at /@NAME), and the instance actor at /actor."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.errors import NotFoundError
from server.federation import queries
from server.federation.activitypub import instance_actor, serialize
from server.federation.activitypub.http import activitypub_type, ap_response
from server.web.html import render
from server.web.social.profiles import profile_context
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


async def load_local_actor(request: web.Request, username: str) -> dict[str, Any]:
    async with request.app[DB].acquire() as conn:
        account = await queries.get_local_actor(conn, username=username)
    if account is None:
        raise NotFoundError(f"There is no account called {username!r} here.")
    return account


@routes.get(r"/users/{username:[A-Za-z0-9_]+}")
@routes.get(r"/@{username:[A-Za-z0-9_]+}")
async def get_actor(request: web.Request) -> web.StreamResponse:
    account = await load_local_actor(request, request.match_info["username"])
    content_type = activitypub_type(request)
    if content_type is not None:
        doc = serialize.to_ap_actor(account, config=request.app[CONFIG])
        return ap_response(doc, content_type=content_type, cache_seconds=180)
    return await _profile_page(request, account)


async def _profile_page(request: web.Request, account: dict[str, Any]) -> web.Response:
    config = request.app[CONFIG]
    response = await render(request, "federation/profile.html", account=account,
                            acct=f"{account['username']}@{config.domain}",
                            bio=serialize.to_ap_actor(account, config=config)["summary"],
                            remote_url=None, **await profile_context(request, account["id"]))
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = (f'<{account["uri"]}>; rel="alternate"; '
                                f'type="application/activity+json"')
    return response


@routes.get(instance_actor.PATH)
async def get_instance_actor(request: web.Request) -> web.Response:
    app = request.app
    actor = await instance_actor.get_instance_actor(app[DB], app[CLOCK])
    doc = serialize.to_ap_instance_actor(public_key_pem=actor.public_key_pem,
                                         created_at=actor.created_at, config=app[CONFIG])
    return ap_response(doc, content_type=activitypub_type(request) or serialize.AP_CONTENT_TYPE,
                       cache_seconds=600)


@routes.get(instance_actor.PATH + "/outbox")
async def get_instance_actor_outbox(request: web.Request) -> web.Response:
    uri = instance_actor.uri(request.app[CONFIG]) + "/outbox"
    return ap_response(serialize.to_ap_collection(uri, total=0, items=[]))
