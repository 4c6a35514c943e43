"""A post's quotes (Mastodon 4.5): the accepted quotes of a post, and its author taking one
back."""

from __future__ import annotations

from aiohttp import web

from server.api.auth import require_token
from server.api.pagination import page_params
from server.api.params import match_id, read_params
from server.api.status_responses import caller_account, status_response, statuses_page
from server.api.statusviews import queries as views_q
from server.errors import UnauthorizedError
from server.quotes import local as quotes_local
from server.quotes import queries as quotes_q
from server.statuses import queries as statuses_q
from server.statuses import quote_policy, service
from server.web.state import CLOCK, DB

routes = web.RouteTableDef()


@routes.get(r"/api/v1/statuses/{id:\d+}/quotes")
async def statuses_quotes(request: web.Request) -> web.Response:
    """The posts that quote this one with its author's leave, newest first, as the reader
    may see them (and, unless they wrote it, without the accounts they mute or block)."""
    status_id = match_id(request)
    token = await require_token(request, "read:statuses")
    page = page_params(await read_params(request), default=20, maximum=40)
    now = request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        viewer = await caller_account(conn, token)
        assert viewer is not None
        status = await service.access_status_for_viewing(conn, status_id=status_id,
                                                         viewer=viewer)
        ids = await quotes_q.list_quotes_of(conn, status_id=status.id, max_id=page.max_id,
                                            since_id=page.since_id or page.min_id,
                                            limit=page.limit)
        visible = await views_q.filter_visible(conn, status_ids=ids, viewer_id=viewer.id,
                                               hide_muted=viewer.id != status.account_id,
                                               now=now)
        return await statuses_page(request, conn, [i for i in ids if i in visible],
                                   viewer_id=viewer.id, page=page, page_ids=ids)


@routes.post(r"/api/v1/statuses/{id:\d+}/quotes/{quoting_id:\d+}/revoke")
async def statuses_quote_revoke(request: web.Request) -> web.Response:
    """The quoted author takes back a quote of their post; answers the quoting post."""
    status_id = match_id(request)
    quoting_id = match_id(request, "quoting_id")
    token = await require_token(request, "write:statuses")
    async with request.app[DB].transaction() as conn:
        author = await caller_account(conn, token)
        assert author is not None
        await quotes_local.withdraw(conn, author=author, quoted_status_id=status_id,
                                    quoting_status_id=quoting_id, now=request.app[CLOCK].now())
        quoting = await statuses_q.get_status(conn, status_id=quoting_id)
        assert quoting is not None   # a quote goes with its post (ON DELETE CASCADE)
        return await status_response(request, conn, quoting, viewer_id=author.id)


@routes.put(r"/api/v1/statuses/{id:\d+}/interaction_policy")
async def statuses_interaction_policy(request: web.Request) -> web.Response:
    """Who may quote the caller's post (`quote_approval_policy`: public, followers or
    nobody; none given: the member's default, as in Mastodon); answers the post."""
    status_id = match_id(request)
    token = await require_token(request, "write:statuses")
    choice = (await read_params(request)).str("quote_approval_policy", strip=True)
    chosen = quote_policy.chosen(choice) if choice else None   # refused before any read
    async with request.app[DB].transaction() as conn:
        # The caller and their posting defaults in one round trip, as posting reads them.
        poster = await statuses_q.get_poster(conn, account_id=token.account_id or 0)
        if poster is None:
            raise UnauthorizedError("The access token is invalid")
        author, defaults = poster
        if chosen is None:
            chosen = quote_policy.chosen(defaults.quote_policy)
        status = await service.set_quote_policy(conn, author=author, status_id=status_id,
                                                policy=chosen, now=request.app[CLOCK].now())
        return await status_response(request, conn, status, viewer_id=author.id)
