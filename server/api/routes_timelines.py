"""Timelines and other lists of statuses: home, public, hashtag, an account's statuses,
bookmarks and favourites. All page with max_id / since_id / min_id and Link headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web

from server.api.auth import optional_token, require_token
from server.api.pagination import Page, page_params, paginate
from server.api.params import match_id, read_params
from server.api.status_responses import caller_account, statuses_page
from server.api.statusviews import queries as views_q
from server.db import Conn
from server.errors import NotFoundError
from server.follows.service import get_account_or_404
from server.lists import queries as lists_q
from server.timeline import queries as timeline_q
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


@routes.get("/api/v1/timelines/home")
async def timelines_home(request: web.Request) -> web.Response:
    token = await require_token(request, "read:statuses")
    page = page_params(await read_params(request), default=20, maximum=views_q.HOME_PAGE_MAX)
    assert token.account_id is not None
    # The busiest read of the API: only single autocommit SELECTs run here, so the release
    # may skip the pool's reset query.
    app = request.app
    now = app[CLOCK].now()
    async with app[DB].acquire_plain() as conn:
        if page.min_id is None:   # the usual reading: entries and what they show in one query
            # (two when the process does not hold some of their rows, see list_home_page)
            home = await views_q.list_home_page(
                conn, account_id=token.account_id, max_id=page.max_id, since_id=page.since_id,
                limit=page.limit, now=now)
            # Without filters in force, the filter query would find none: not asked.
            return await statuses_page(request, conn, home.ids, viewer_id=token.account_id,
                                       page=page, loaded=home.rows,
                                       filter_context="home" if home.viewer_filters else None)
        ids = await timeline_q.list_home_timeline(
            conn, account_id=token.account_id, max_id=page.max_id, since_id=page.since_id,
            min_id=page.min_id, limit=page.limit, now=now)
        return await statuses_page(request, conn, ids, viewer_id=token.account_id, page=page,
                                   filter_context="home")


@routes.get(r"/api/v1/timelines/list/{id}")
async def timelines_list(request: web.Request) -> web.Response:
    token = await require_token(request, "read:lists")
    page = page_params(await read_params(request), default=20, maximum=40)
    list_id = match_id(request)
    assert token.account_id is not None
    now = request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        if not await lists_q.owns_list(conn, list_id=list_id, account_id=token.account_id):
            raise NotFoundError("Record not found")
        ids = await lists_q.list_timeline(conn, list_id=list_id, owner_id=token.account_id,
                                          max_id=page.max_id, since_id=page.since_id,
                                          min_id=page.min_id, limit=page.limit, now=now)
        shown = await _visible(conn, ids, token.account_id, now)
        # Lists are read with the filters of the home context, as in Mastodon.
        response = await statuses_page(request, conn, shown, viewer_id=token.account_id,
                                       page=None, filter_context="home")
    paginate(response, request, request.app[CONFIG], page, ids)
    return response


async def _visible(conn: Conn, ids: list[int], viewer_id: int | None, now: datetime) -> list[int]:
    """Public lists drop what the viewer blocks or mutes after the page is cut, so paging
    cursors stay on the unfiltered ids and a page may come back shorter."""
    keep = await views_q.filter_visible(conn, status_ids=ids, viewer_id=viewer_id,
                                        hide_muted=viewer_id is not None, now=now)
    return [i for i in ids if i in keep]


async def _public_page(request: web.Request, page: Page,
                       ids_for: Callable[[Conn], Awaitable[list[int]]]) -> web.Response:
    token = await optional_token(request, "read:statuses")
    viewer_id = token.account_id if token else None
    async with request.app[DB].acquire() as conn:
        ids = await ids_for(conn)
        shown = await _visible(conn, ids, viewer_id, request.app[CLOCK].now())
        response = await statuses_page(request, conn, shown, viewer_id=viewer_id, page=None,
                                       filter_context="public")
    paginate(response, request, request.app[CONFIG], page, ids)
    return response


@routes.get("/api/v1/timelines/public")
async def timelines_public(request: web.Request) -> web.Response:
    params = await read_params(request)
    page = page_params(params, default=20, maximum=40)
    local, remote = bool(params.bool("local")), bool(params.bool("remote"))
    only_media = bool(params.bool("only_media"))

    async def ids_for(conn: Conn) -> list[int]:
        return await timeline_q.list_public_timeline(
            conn, local_only=local, remote_only=remote, only_media=only_media,
            max_id=page.max_id, since_id=page.since_id, min_id=page.min_id, limit=page.limit)

    return await _public_page(request, page, ids_for)


@routes.get("/api/v1/timelines/tag/{hashtag}")
async def timelines_tag(request: web.Request) -> web.Response:
    params = await read_params(request)
    page = page_params(params, default=20, maximum=40)
    name = request.match_info["hashtag"].lstrip("#")
    any_ = [name, *[t.lstrip("#") for t in params.list("any")]]
    all_ = [t.lstrip("#") for t in params.list("all")]
    none = [t.lstrip("#") for t in params.list("none")]

    async def ids_for(conn: Conn) -> list[int]:
        return await timeline_q.list_tag_timeline(
            conn, any_=any_, all_=all_, none=none, local_only=bool(params.bool("local")),
            only_media=bool(params.bool("only_media")), max_id=page.max_id,
            since_id=page.since_id, min_id=page.min_id, limit=page.limit)

    return await _public_page(request, page, ids_for)


@routes.get(r"/api/v1/accounts/{id:\d+}/statuses")
async def accounts_statuses(request: web.Request) -> web.Response:
    account_id = match_id(request)
    token = await optional_token(request, "read:statuses")
    params = await read_params(request)
    page = page_params(params, default=20, maximum=40)
    async with request.app[DB].acquire() as conn:
        viewer = await caller_account(conn, token)
        target = await get_account_or_404(conn, account_id)
        if target.suspended_at is not None:
            raise NotFoundError("Record not found")
        viewer_id = viewer.id if viewer else None
        ids = await timeline_q.list_account_statuses(
            conn, account_id=target.id, viewer_id=viewer_id,
            only_media=bool(params.bool("only_media")),
            exclude_replies=bool(params.bool("exclude_replies")),
            exclude_reblogs=bool(params.bool("exclude_reblogs")),
            pinned=bool(params.bool("pinned")), tagged=params.str("tagged", strip=True) or None,
            max_id=page.max_id, since_id=page.since_id, min_id=page.min_id, limit=page.limit)
        # Boosts whose original the viewer may not see are left out.
        shown = await views_q.filter_visible(conn, status_ids=ids, viewer_id=viewer_id,
                                             hide_muted=False, now=request.app[CLOCK].now())
        response = await statuses_page(request, conn, [i for i in ids if i in shown],
                                       viewer_id=viewer_id, page=None, filter_context="account")
    paginate(response, request, request.app[CONFIG], page, ids)
    return response


async def _own_list(request: web.Request, scope: str,
                    lister: Callable[..., Awaitable[list[tuple[int, int]]]]) -> web.Response:
    token = await require_token(request, scope)
    page = page_params(await read_params(request), default=20, maximum=40)
    async with request.app[DB].acquire() as conn:
        pairs = await lister(conn, account_id=token.account_id, max_id=page.max_id,
                             since_id=page.since_id, min_id=page.min_id, limit=page.limit)
        ids = [s for _, s in pairs]
        shown = await views_q.filter_visible(conn, status_ids=ids, viewer_id=token.account_id,
                                             hide_muted=False, now=request.app[CLOCK].now())
        return await statuses_page(request, conn, [i for i in ids if i in shown],
                                   viewer_id=token.account_id, page=page,
                                   page_ids=[p for p, s in pairs])


@routes.get("/api/v1/bookmarks")
async def bookmarks(request: web.Request) -> web.Response:
    return await _own_list(request, "read:bookmarks", timeline_q.list_bookmarks)


@routes.get("/api/v1/favourites")
async def favourites(request: web.Request) -> web.Response:
    return await _own_list(request, "read:favourites", timeline_q.list_favourites)


@routes.get("/api/v1/timelines/link")
async def timelines_link(request: web.Request) -> web.Response:
    """Public posts sharing the link of a preview card (?url= as the card gives it; Mastodon
    4.3). An unknown card is a 404, as in Mastodon."""
    from server.api import queries as api_q   # kept local: the imports above are shared

    params = await read_params(request)
    url = params.str("url", strip=True) or ""   # none at all: no such card either
    page = page_params(params, default=20, maximum=40)
    async with request.app[DB].acquire() as conn:
        if not await api_q.card_exists(conn, url=url):
            raise NotFoundError("Record not found")

    async def ids_for(conn: Conn) -> list[int]:
        return await api_q.list_link_timeline(conn, url=url, max_id=page.max_id,
                                              since_id=page.since_id, min_id=page.min_id,
                                              limit=page.limit)

    return await _public_page(request, page, ids_for)
