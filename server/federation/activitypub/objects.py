"""A member's public posts as ActivityPub objects: the Note at /users/NAME/statuses/ID, its
Create (or a boost's Announce) at …/activity, and a page for browsers.

Only public and unlisted posts are served (followers-only and direct posts reach their
audience by delivery). A deleted post answers 410 with a Tombstone, as Mastodon does.
"""

from __future__ import annotations

from aiohttp import web

from server.errors import NotFoundError
from server.federation.activitypub import notes, serialize
from server.federation.activitypub.actors import load_local_actor
from server.federation.activitypub.http import activitypub_type, ap_response, int_id
from server.statuses import queries as statuses_q
from server.statuses.queries import Status
from server.ids import parse_id
from server.web.social.threads import status_page
from server.web.state import CONFIG, DB

routes = web.RouteTableDef()
_STATUS = r"/users/{username:[A-Za-z0-9_]+}/statuses/{status_id:\d+}"


async def _load(request: web.Request) -> tuple[dict, Status]:  # type: ignore[type-arg]
    account = await load_local_actor(request, request.match_info["username"])
    status_id = int_id(request.match_info["status_id"])
    async with request.app[DB].acquire() as conn:
        status = await statuses_q.get_status(conn, status_id=status_id)
    if status is None or status.account_id != account["id"] or not status.local \
            or status.visibility not in ("public", "unlisted"):
        raise NotFoundError("There is no such post.")
    return account, status


def _gone(uri: str) -> web.Response:
    return ap_response(serialize.to_ap_tombstone(uri), status=410)


@routes.get(_STATUS)
@routes.get(r"/@{username:[A-Za-z0-9_]+}/{status_id:\d+}")
async def get_status(request: web.Request) -> web.StreamResponse:
    content_type = activitypub_type(request)
    if content_type is None:
        # Browsers get the thread page, which shows what the signed-in reader may see
        # (a followers-only post to a follower too), not only what is served to peers.
        return await status_page(request, status_id=parse_id(request.match_info["status_id"]),
                                 acct=request.match_info["username"])
    account, status = await _load(request)
    if status.reblog_of_id is not None:
        raise NotFoundError("There is no such post.")
    if status.deleted_at is not None:
        return _gone(status.uri)
    async with request.app[DB].acquire() as conn:
        found = await notes.load_notes(conn, [status], author=notes.AuthorRef.of(account),
                                       config=request.app[CONFIG])
    return ap_response(found[status.id], content_type=content_type)


@routes.get(_STATUS + "/activity")
async def get_status_activity(request: web.Request) -> web.Response:
    account, status = await _load(request)
    if status.deleted_at is not None:
        return _gone(f"{status.uri}/activity" if status.reblog_of_id is None else status.uri)
    async with request.app[DB].acquire() as conn:
        items = await notes.load_activities(conn, [status], author=notes.AuthorRef.of(account),
                                            config=request.app[CONFIG])
    if not items:
        raise NotFoundError("There is no such post.")
    context = serialize.AS if status.reblog_of_id is not None else serialize.NOTE_CONTEXT
    return ap_response(serialize.with_context(items[0], context),
                       content_type=activitypub_type(request) or serialize.AP_CONTENT_TYPE)
