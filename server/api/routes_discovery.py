"""Finding accounts: /api/v1/accounts/search, the profile directory, suggestions, familiar
followers, featured tags."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api import queries as api_q
from server.api.auth import optional_token, require_token
from server.api.entities.accounts import render_accounts
from server.api.entities.common import iso_date
from server.api.entities.tags import render_tags
from server.api.params import match_id, parse_id, read_params
from server.config import Config
from server.errors import CommonholdError, ValidationError
from server.follows import service as follows
from server.relations import queries
from server.relations import service as relations
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


@routes.get("/api/v1/accounts/search")
async def accounts_search(request: web.Request) -> web.Response:
    token = await optional_token(request, "read:accounts")
    viewer = token.account_id if token else None
    params = await read_params(request)
    q = (params.str("q", required=True, strip=True) or "").lstrip("@")
    limit = params.int("limit", minimum=1) or 40
    limit = min(limit, 80)
    offset = params.int("offset", minimum=0) or 0
    username, _, domain = q.lower().partition("@")
    config = request.app[CONFIG]
    if domain == config.domain.lower():
        domain = ""
    if params.bool("resolve") and viewer is not None and username and domain:
        # WebFinger and the actor fetch happen outside any transaction.
        from server.app import job_context
        from server.federation.activitypub.remote_actors import resolve_acct
        try:
            await resolve_acct(job_context(request.app), f"{username}@{domain}")
        except CommonholdError:
            pass   # not found or unreachable: the search shows what is known
    async with request.app[DB].acquire() as conn:
        ids = await queries.search_accounts(
            conn, viewer_id=viewer, username=username, domain=domain or None,
            following=bool(params.bool("following")) and viewer is not None,
            limit=limit, offset=offset)
        entities = await render_accounts(conn, config, ids)
    return web.json_response([entities[i] for i in ids if i in entities])


@routes.get("/api/v1/directory")
async def directory(request: web.Request) -> web.Response:
    """Accounts that chose to be discoverable: `order` active (default) or new, `local`,
    `offset`, `limit` (40, at most 80)."""
    token = await optional_token(request, None)
    params = await read_params(request)
    order = params.str("order", strip=True) or "active"
    if order not in ("active", "new"):
        raise ValidationError("order must be active or new", field="order")
    limit = min(params.int("limit", minimum=1) or 40, 80)
    offset = params.int("offset", minimum=0) or 0
    async with request.app[DB].acquire() as conn:
        ids = await queries.list_directory(conn, viewer_id=token.account_id if token else None,
                                           order=order, local=bool(params.bool("local")),
                                           limit=limit, offset=offset)
        entities = await render_accounts(conn, request.app[CONFIG], ids)
    return web.json_response([entities[i] for i in ids if i in entities])


async def _ranked_suggestions(conn: Any, *, viewer_id: int, limit: int) -> list[Any]:
    """Accounts to suggest, best first: those the viewer interacted with, then the most
    followed."""
    rows = await queries.list_suggestions(conn, viewer_id=viewer_id)
    rows.sort(key=lambda r: (r["rank"], -r["n"], -r["id"]))
    return rows[:limit]


@routes.get("/api/v2/suggestions")
async def suggestions(request: web.Request) -> web.Response:
    token = await require_token(request, "read")
    assert token.account_id is not None
    limit = min((await read_params(request)).int("limit", minimum=1) or 40, 80)
    async with request.app[DB].acquire() as conn:
        rows = await _ranked_suggestions(conn, viewer_id=token.account_id, limit=limit)
        entities = await render_accounts(conn, request.app[CONFIG], [r["id"] for r in rows])
    return web.json_response([{"source": "past_interactions" if r["rank"] == 0 else "global",
                               "sources": [r["source"]], "account": entities[r["id"]]}
                              for r in rows if r["id"] in entities])


@routes.delete(r"/api/v1/suggestions/{id}")
async def suggestions_dismiss(request: web.Request) -> web.Response:
    token = await require_token(request, "read")
    assert token.account_id is not None
    target_id = match_id(request)
    async with request.app[DB].transaction() as conn:
        await follows.get_account_or_404(conn, target_id)
        await queries.dismiss_suggestion(conn, account_id=token.account_id, target_id=target_id,
                                         now=request.app[CLOCK].now())
    return web.json_response({})


@routes.get("/api/v1/accounts/familiar_followers")
async def familiar_followers(request: web.Request) -> web.Response:
    token = await require_token(request, "read:follows")
    assert token.account_id is not None
    params = await read_params(request)
    ids = list(dict.fromkeys(i for i in (parse_id(v) for v in params.list("id"))
                             if i is not None))[:40]
    async with request.app[DB].acquire() as conn:
        found = await queries.familiar_followers(conn, viewer_id=token.account_id,
                                                 target_ids=ids)
        everyone = [a for known in found.values() for a in known]
        entities = await render_accounts(conn, request.app[CONFIG], everyone)
    return web.json_response([{"id": str(i), "accounts": [entities[a] for a in found.get(i, [])
                                                          if a in entities]} for i in ids])


def _featured(row: dict[str, Any], config: Config, username: str) -> dict[str, Any]:
    return {"id": str(row["id"]), "name": row["name"],
            "url": config.url(f"/@{username}/tagged/{row['name']}"),
            "statuses_count": str(row["statuses_count"]),
            "last_status_at": iso_date(row["last_status_at"])}


@routes.get(r"/api/v1/accounts/{id}/featured_tags")
async def account_featured_tags(request: web.Request) -> web.Response:
    await optional_token(request, "read:accounts")
    account_id = match_id(request)
    async with request.app[DB].acquire() as conn:
        account = await follows.get_account_or_404(conn, account_id)
        rows = await queries.list_featured_tags(conn, account_id=account_id)
    return web.json_response([_featured(r, request.app[CONFIG], account.username) for r in rows])


@routes.get("/api/v1/featured_tags")
async def featured_tags(request: web.Request) -> web.Response:
    token = await require_token(request, "read:accounts")
    assert token.account_id is not None
    async with request.app[DB].acquire() as conn:
        account = await follows.get_account_or_404(conn, token.account_id)
        rows = await queries.list_featured_tags(conn, account_id=account.id)
    return web.json_response([_featured(r, request.app[CONFIG], account.username) for r in rows])


@routes.post("/api/v1/featured_tags")
async def featured_tags_create(request: web.Request) -> web.Response:
    token = await require_token(request, "write:accounts")
    assert token.account_id is not None
    name = (await read_params(request)).str("name")
    async with request.app[DB].transaction() as conn:
        account = await follows.get_account_or_404(conn, token.account_id)
        featured_id = await relations.feature_tag(conn, account=account, name=name,
                                                  now=request.app[CLOCK].now())
        rows = await queries.list_featured_tags(conn, account_id=account.id)
    row = next(r for r in rows if r["id"] == featured_id)
    return web.json_response(_featured(row, request.app[CONFIG], account.username))


@routes.delete(r"/api/v1/featured_tags/{id}")
async def featured_tags_delete(request: web.Request) -> web.Response:
    token = await require_token(request, "write:accounts")
    assert token.account_id is not None
    featured_id = match_id(request)
    async with request.app[DB].transaction() as conn:
        account = await follows.get_account_or_404(conn, token.account_id)
        await relations.unfeature_tag(conn, account=account, featured_id=featured_id)
    return web.json_response({})





@routes.get("/api/v1/suggestions")
async def suggestions_v1(request: web.Request) -> web.Response:
    """The v1 form of /api/v2/suggestions: the same accounts in the same order, without the
    reasons."""
    token = await require_token(request, "read")
    assert token.account_id is not None
    limit = min((await read_params(request)).int("limit", minimum=1) or 40, 80)
    async with request.app[DB].acquire() as conn:
        rows = await _ranked_suggestions(conn, viewer_id=token.account_id, limit=limit)
        ids = [r["id"] for r in rows]
        entities = await render_accounts(conn, request.app[CONFIG], ids)
    return web.json_response([entities[i] for i in ids if i in entities])


@routes.get("/api/v1/featured_tags/suggestions")
async def featured_tags_suggestions(request: web.Request) -> web.Response:
    """Up to ten hashtags the caller uses most and does not feature yet, as Tag entities."""
    token = await require_token(request, "read:accounts")
    assert token.account_id is not None
    now = request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        tags = await api_q.list_featured_tag_suggestions(conn, account_id=token.account_id)
        body = await render_tags(conn, request.app[CONFIG], tags, now=now,
                                 viewer_id=token.account_id)
    for entity in body:
        entity["featuring"] = False
    return web.json_response(body)
