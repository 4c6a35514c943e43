"""A member's collections: followers, following, outbox (paged `OrderedCollection`s with
totals) and featured (pinned posts).

Followers and following are listed for every account: Commonhold has no setting to hide
them, and a member's social graph on a co-operative instance is public by its charter.
"""

from __future__ import annotations

from aiohttp import web

from server.errors import BadRequestError
from server.federation.activitypub import notes, serialize
from server.federation.activitypub import queries as ap_q
from server.federation.activitypub.actors import load_local_actor
from server.federation.activitypub.http import MAX_ID, ap_response, int_id
from server.statuses import queries as statuses_q
from server.web.state import CONFIG, DB

routes = web.RouteTableDef()
FOLLOWS_PER_PAGE = 40
OUTBOX_PER_PAGE = 20
_USER = r"/users/{username:[A-Za-z0-9_]+}"


def _page_number(request: web.Request) -> int | None:
    raw = request.query.get("page")
    if raw is None:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 100_000:
        raise BadRequestError("page must be a positive number")
    return int(raw)


async def _follows(request: web.Request, *, followers: bool) -> web.Response:
    account = await load_local_actor(request, request.match_info["username"])
    collection = f"{account['uri']}/{'followers' if followers else 'following'}"
    page = _page_number(request)
    async with request.app[DB].acquire() as conn:
        total = await ap_q.count_follows_of(conn, account_id=account["id"], followers=followers)
        if page is None:
            return ap_response(serialize.to_ap_collection(collection, total=total,
                                                          first=f"{collection}?page=1"))
        items = await ap_q.list_follow_uris(conn, account_id=account["id"], followers=followers,
                                            limit=FOLLOWS_PER_PAGE,
                                            offset=(page - 1) * FOLLOWS_PER_PAGE)
    more = page * FOLLOWS_PER_PAGE < total
    return ap_response(serialize.to_ap_collection_page(
        f"{collection}?page={page}", part_of=collection, items=items, total=total,
        next_page=f"{collection}?page={page + 1}" if more else None,
        prev_page=f"{collection}?page={page - 1}" if page > 1 else None))


@routes.get(_USER + "/followers")
async def get_followers(request: web.Request) -> web.Response:
    return await _follows(request, followers=True)


@routes.get(_USER + "/following")
async def get_following(request: web.Request) -> web.Response:
    return await _follows(request, followers=False)


@routes.get(_USER + "/outbox")
async def get_outbox(request: web.Request) -> web.Response:
    account = await load_local_actor(request, request.match_info["username"])
    outbox = f"{account['uri']}/outbox"
    max_id_text = request.query.get("max_id", "")
    if max_id_text and not max_id_text.isdigit():
        raise BadRequestError("max_id must be a number")
    config = request.app[CONFIG]
    async with request.app[DB].acquire() as conn:
        total = await ap_q.count_outbox(conn, account_id=account["id"])
        if request.query.get("page") != "true":
            doc = serialize.to_ap_collection(outbox, total=total, first=f"{outbox}?page=true")
            doc["last"] = f"{outbox}?min_id=0&page=true"
            return ap_response(doc)
        max_id = int_id(max_id_text) if max_id_text else MAX_ID
        ids = await ap_q.list_outbox_ids(conn, account_id=account["id"], max_id=max_id,
                                         limit=OUTBOX_PER_PAGE)
        found = await statuses_q.get_statuses(conn, status_ids=ids)
        statuses = [found[i] for i in ids if i in found]
        items = await notes.load_activities(conn, statuses, author=notes.AuthorRef.of(account),
                                            config=config)
    page_id = f"{outbox}?page=true" + (f"&max_id={max_id_text}" if max_id_text else "")
    return ap_response(serialize.to_ap_collection_page(
        page_id, part_of=outbox, items=items, total=total,
        next_page=f"{outbox}?max_id={ids[-1]}&page=true" if len(ids) == OUTBOX_PER_PAGE else None,
        prev_page=f"{outbox}?min_id={ids[0]}&page=true" if ids else None,
        context=serialize.NOTE_CONTEXT))


@routes.get(_USER + "/collections/featured")
async def get_featured(request: web.Request) -> web.Response:
    account = await load_local_actor(request, request.match_info["username"])
    async with request.app[DB].acquire() as conn:
        ids = await ap_q.list_pinned_status_ids(conn, account_id=account["id"])
        found = await statuses_q.get_statuses(conn, status_ids=ids)
        statuses = [found[i] for i in ids if i in found]
        by_id = await notes.load_notes(conn, statuses, author=notes.AuthorRef.of(account),
                                       config=request.app[CONFIG], context=False)
    items = [by_id[s.id] for s in statuses if s.id in by_id]
    doc = serialize.to_ap_collection(f"{account['uri']}/collections/featured",
                                     total=len(items), items=items)
    doc["@context"] = serialize.NOTE_CONTEXT
    return ap_response(doc)
