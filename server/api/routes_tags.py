"""Hashtags as things to look at and follow: GET /api/v1/tags/:name, POST …/follow and
…/unfollow, and GET /api/v1/followed_tags (paged by the follow, newest first)."""

from __future__ import annotations

from aiohttp import web

from server.api.auth import optional_token, require_token
from server.api.entities.tags import render_tags
from server.api.pagination import page_params, paginate
from server.api.params import read_params
from server.follows import service as follows
from server.relations import queries
from server.relations import service as relations
from server.relations.queries import Cursor
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
TAG_PATH = r"/api/v1/tags/{name}"


@routes.get(TAG_PATH)
async def tags_get(request: web.Request) -> web.Response:
    token = await optional_token(request)
    viewer_id = token.account_id if token is not None else None
    async with request.app[DB].acquire() as conn:
        tag = await relations.find_tag(conn, name=request.match_info["name"])
        [entity] = await render_tags(conn, request.app[CONFIG], [tag],
                                     now=request.app[CLOCK].now(), viewer_id=viewer_id)
    return web.json_response(entity)


async def _follow_or_unfollow(request: web.Request, *, follow: bool) -> web.Response:
    token = await require_token(request, "write:follows")
    assert token.account_id is not None
    now = request.app[CLOCK].now()
    name = request.match_info["name"]
    async with request.app[DB].transaction() as conn:
        account = await follows.get_account_or_404(conn, token.account_id)
        if follow:
            tag: tuple[int | None, str] = await relations.follow_tag(conn, account=account,
                                                                     name=name, now=now)
        else:
            tag = await relations.unfollow_tag(conn, account=account, name=name)
        [entity] = await render_tags(conn, request.app[CONFIG], [tag], now=now,
                                     viewer_id=account.id)
    return web.json_response(entity)


@routes.post(TAG_PATH + "/follow")
async def tags_follow(request: web.Request) -> web.Response:
    return await _follow_or_unfollow(request, follow=True)


@routes.post(TAG_PATH + "/unfollow")
async def tags_unfollow(request: web.Request) -> web.Response:
    return await _follow_or_unfollow(request, follow=False)


@routes.get("/api/v1/followed_tags")
async def followed_tags(request: web.Request) -> web.Response:
    token = await require_token(request, "read:follows")
    assert token.account_id is not None
    page = page_params(await read_params(request), default=100, maximum=200)
    config = request.app[CONFIG]
    async with request.app[DB].acquire() as conn:
        rows = await queries.page(conn, "page_followed_tags", owner_id=token.account_id,
                                  cursor=Cursor(page.max_id, page.since_id, page.min_id,
                                                page.limit))
        body = await render_tags(conn, config, [(r["tag_id"], r["name"]) for r in rows],
                                 now=request.app[CLOCK].now(), viewer_id=token.account_id)
    response = web.json_response(body)
    paginate(response, request, config, page, [r["page_id"] for r in rows])
    return response


async def _feature_or_unfeature(request: web.Request, *, feature: bool) -> web.Response:
    """POST /api/v1/tags/:name/feature and /unfeature (Mastodon 4.4): the same featured tags
    as POST and DELETE /api/v1/featured_tags, addressed by the tag's name."""
    token = await require_token(request, "write:accounts")
    assert token.account_id is not None
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        account = await follows.get_account_or_404(conn, token.account_id)
        tag_id, name = await relations.find_tag(conn, name=request.match_info["name"])
        if feature:
            await relations.feature_tag(conn, account=account, name=name, now=now)
            tag_id, name = await relations.find_tag(conn, name=name)
        else:
            featured = await queries.list_featured_tags(conn, account_id=account.id)
            for row in featured:
                if row["name"].lower() == name.lower():
                    await relations.unfeature_tag(conn, account=account, featured_id=row["id"])
        [entity] = await render_tags(conn, request.app[CONFIG], [(tag_id, name)], now=now,
                                     viewer_id=account.id)
    entity["featuring"] = feature
    return web.json_response(entity)


@routes.post(TAG_PATH + "/feature")
async def tags_feature(request: web.Request) -> web.Response:
    return await _feature_or_unfeature(request, feature=True)


@routes.post(TAG_PATH + "/unfeature")
async def tags_unfeature(request: web.Request) -> web.Response:
    return await _feature_or_unfeature(request, feature=False)
