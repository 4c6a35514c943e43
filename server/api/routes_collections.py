"""Lists of accounts: followers, following, follow requests, blocks, mutes, endorsements and
domain blocks, all paged by the id of the follow (block, mute...) row with Link headers."""

from __future__ import annotations

from aiohttp import web

from server.api import queries as api_q
from server.api.auth import optional_token, require_token
from server.api.entities.accounts import render_accounts
from server.api.pagination import Page, page_params, paginate
from server.api.params import match_id, read_params
from server.follows import service as follows
from server.relations import queries
from server.relations import service as relations
from server.relations.queries import Cursor
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


def _cursor(page: Page) -> Cursor:
    return Cursor(page.max_id, page.since_id, page.min_id, page.limit)


async def _accounts_page(request: web.Request, name: str, owner_id: int,
                         page: Page) -> web.Response:
    config = request.app[CONFIG]
    async with request.app[DB].acquire() as conn:
        rows = await queries.page(conn, name, owner_id=owner_id, cursor=_cursor(page),
                                  now=request.app[CLOCK].now())
        entities = await render_accounts(conn, config, [r["account_id"] for r in rows])
    body = [entities[r["account_id"]] for r in rows if r["account_id"] in entities]
    response = web.json_response(body)
    paginate(response, request, config, page, [r["page_id"] for r in rows])
    return response


async def _collection(request: web.Request, name: str) -> web.Response:
    token = await optional_token(request, "read:accounts")
    target_id = match_id(request)
    page = page_params(await read_params(request), default=40, maximum=80)
    async with request.app[DB].acquire() as conn:
        await follows.get_account_or_404(conn, target_id)
        views = await api_q.list_account_views(conn, account_ids=[target_id])
    own = token is not None and token.account_id == target_id
    if views[target_id].hide_collections and not own:
        return web.json_response([])
    return await _accounts_page(request, name, target_id, page)


@routes.get(r"/api/v1/accounts/{id}/followers")
async def accounts_followers(request: web.Request) -> web.Response:
    return await _collection(request, "page_followers")


@routes.get(r"/api/v1/accounts/{id}/following")
async def accounts_following(request: web.Request) -> web.Response:
    return await _collection(request, "page_following")


async def _own(request: web.Request, scope: str, name: str) -> web.Response:
    token = await require_token(request, scope)
    assert token.account_id is not None
    page = page_params(await read_params(request), default=40, maximum=80)
    return await _accounts_page(request, name, token.account_id, page)


@routes.get("/api/v1/follow_requests")
async def follow_requests(request: web.Request) -> web.Response:
    return await _own(request, "read:follows", "page_follow_requests")


@routes.get("/api/v1/blocks")
async def blocks(request: web.Request) -> web.Response:
    return await _own(request, "read:blocks", "page_blocks")


@routes.get("/api/v1/mutes")
async def mutes(request: web.Request) -> web.Response:
    return await _own(request, "read:mutes", "page_mutes")


@routes.get("/api/v1/endorsements")
async def endorsements(request: web.Request) -> web.Response:
    return await _own(request, "read:accounts", "page_endorsements")


async def _decide_request(request: web.Request, accept: bool) -> web.Response:
    token = await require_token(request, "write:follows")
    assert token.account_id is not None
    follower_id = match_id(request)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        me = await follows.get_account_or_404(conn, token.account_id)
        follower = await follows.get_account_or_404(conn, follower_id)
        decide = follows.accept_request if accept else follows.reject_request
        await decide(conn, follower=follower, target=me, now=now)
        rows = await api_q.list_relationships(conn, viewer_id=me.id, account_ids=[follower_id],
                                              now=now, with_suspended=False)
    from server.api.entities.accounts import to_mastodon_relationship
    return web.json_response(to_mastodon_relationship(rows[0]))


@routes.post(r"/api/v1/follow_requests/{id}/authorize")
async def follow_request_authorize(request: web.Request) -> web.Response:
    return await _decide_request(request, True)


@routes.post(r"/api/v1/follow_requests/{id}/reject")
async def follow_request_reject(request: web.Request) -> web.Response:
    return await _decide_request(request, False)


@routes.get("/api/v1/domain_blocks")
async def domain_blocks(request: web.Request) -> web.Response:
    token = await require_token(request, "read:blocks")
    assert token.account_id is not None
    page = page_params(await read_params(request), default=100, maximum=200)
    async with request.app[DB].acquire() as conn:
        rows = await queries.page(conn, "page_domain_blocks", owner_id=token.account_id,
                                  cursor=_cursor(page))
    response = web.json_response([r["domain"] for r in rows])
    paginate(response, request, request.app[CONFIG], page, [r["page_id"] for r in rows])
    return response


async def _domain_change(request: web.Request, block: bool) -> web.Response:
    token = await require_token(request, "write:blocks")
    assert token.account_id is not None
    domain = relations.normalize_domain((await read_params(request)).str("domain"))
    async with request.app[DB].transaction() as conn:
        me = await follows.get_account_or_404(conn, token.account_id)
        if block:
            await relations.block_domain(conn, account=me, domain=domain,
                                         own_domain=request.app[CONFIG].domain,
                                         now=request.app[CLOCK].now())
        else:
            await relations.unblock_domain(conn, account=me, domain=domain)
    return web.json_response({})


@routes.post("/api/v1/domain_blocks")
async def domain_blocks_create(request: web.Request) -> web.Response:
    return await _domain_change(request, True)


@routes.delete("/api/v1/domain_blocks")
async def domain_blocks_delete(request: web.Request) -> web.Response:
    return await _domain_change(request, False)
