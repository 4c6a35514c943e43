"""Lists (/api/v1/lists...) and read markers (/api/v1/markers)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api.auth import require_token
from server.api.entities.accounts import render_accounts
from server.api.entities.common import iso
from server.api.pagination import page_params, paginate
from server.api.params import Params, match_id, parse_id, read_params
from server.errors import ValidationError
from server.lists import queries, service
from server.lists.queries import ListRow
from server.markers import queries as markers_q
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


def to_mastodon_list(row: ListRow) -> dict[str, Any]:
    return {"id": str(row.id), "title": row.title, "replies_policy": row.replies_policy,
            "exclusive": row.exclusive}


def _settings(params: Params) -> dict[str, Any]:
    return {"title": params.str("title", strip=True, max_length=service.TITLE_MAX),
            "replies_policy": params.str("replies_policy"), "exclusive": params.bool("exclusive")}


async def _me(request: web.Request, scope: str) -> int:
    token = await require_token(request, scope)
    assert token.account_id is not None
    return token.account_id


@routes.get("/api/v1/lists")
async def lists_index(request: web.Request) -> web.Response:
    me = await _me(request, "read:lists")
    async with request.app[DB].acquire() as conn:
        rows = await queries.list_lists(conn, account_id=me)
    return web.json_response([to_mastodon_list(r) for r in rows])


@routes.post("/api/v1/lists")
async def lists_create(request: web.Request) -> web.Response:
    me = await _me(request, "write:lists")
    settings = _settings(await read_params(request))
    async with request.app[DB].transaction() as conn:
        row = await service.create_list(conn, owner_id=me, now=request.app[CLOCK].now(),
                                        **settings)
    return web.json_response(to_mastodon_list(row))


@routes.get(r"/api/v1/lists/{id}")
async def lists_show(request: web.Request) -> web.Response:
    me = await _me(request, "read:lists")
    async with request.app[DB].acquire() as conn:
        row = await service.own_list(conn, list_id=match_id(request), owner_id=me)
    return web.json_response(to_mastodon_list(row))


@routes.put(r"/api/v1/lists/{id}")
async def lists_update(request: web.Request) -> web.Response:
    me = await _me(request, "write:lists")
    settings = _settings(await read_params(request))
    async with request.app[DB].transaction() as conn:
        row = await service.update_list(conn, list_id=match_id(request), owner_id=me,
                                        **settings)
    return web.json_response(to_mastodon_list(row))


@routes.delete(r"/api/v1/lists/{id}")
async def lists_delete(request: web.Request) -> web.Response:
    me = await _me(request, "write:lists")
    async with request.app[DB].transaction() as conn:
        await service.delete_list(conn, list_id=match_id(request), owner_id=me)
    return web.json_response({})


@routes.get(r"/api/v1/lists/{id}/accounts")
async def lists_accounts(request: web.Request) -> web.Response:
    me = await _me(request, "read:lists")
    params = await read_params(request)
    page = page_params(params, default=40, maximum=80)
    limit = 0 if params.raw("limit") in ("0", 0) else page.limit   # 0: every member
    config = request.app[CONFIG]
    async with request.app[DB].acquire() as conn:
        await service.own_list(conn, list_id=match_id(request), owner_id=me)
        rows = await queries.page_list_accounts(conn, list_id=match_id(request),
                                                max_id=page.max_id, since_id=page.since_id,
                                                min_id=page.min_id, limit=limit)
        entities = await render_accounts(conn, config, [r["account_id"] for r in rows])
    response = web.json_response([entities[r["account_id"]] for r in rows
                                  if r["account_id"] in entities])
    if limit:
        paginate(response, request, config, page, [r["page_id"] for r in rows])
    return response


def _account_ids(params: Params) -> list[int]:
    raw = params.list("account_ids")
    ids = [parse_id(v) for v in raw]
    if not raw or None in ids:
        raise ValidationError("Validation failed: account_ids must be a list of account ids",
                              field="account_ids")
    return list(dict.fromkeys(i for i in ids if i is not None))


@routes.post(r"/api/v1/lists/{id}/accounts")
async def lists_accounts_add(request: web.Request) -> web.Response:
    me = await _me(request, "write:lists")
    ids = _account_ids(await read_params(request))
    async with request.app[DB].transaction() as conn:
        await service.add_accounts(conn, list_id=match_id(request), owner_id=me, account_ids=ids)
    return web.json_response({})


@routes.delete(r"/api/v1/lists/{id}/accounts")
async def lists_accounts_remove(request: web.Request) -> web.Response:
    me = await _me(request, "write:lists")
    ids = _account_ids(await read_params(request))
    async with request.app[DB].transaction() as conn:
        await service.remove_accounts(conn, list_id=match_id(request), owner_id=me,
                                      account_ids=ids)
    return web.json_response({})


@routes.get(r"/api/v1/accounts/{id}/lists")
async def accounts_lists(request: web.Request) -> web.Response:
    me = await _me(request, "read:lists")
    async with request.app[DB].acquire() as conn:
        rows = await queries.lists_with_account(conn, owner_id=me, account_id=match_id(request))
    return web.json_response([to_mastodon_list(r) for r in rows])


TIMELINES = ("home", "notifications")


@routes.get("/api/v1/markers")
async def markers_index(request: web.Request) -> web.Response:
    me = await _me(request, "read:statuses")
    wanted = [t for t in (await read_params(request)).list("timeline") if t in TIMELINES]
    async with request.app[DB].acquire() as conn:
        rows = await conn_markers(conn, me, wanted)
    return web.json_response(rows)


async def conn_markers(conn: Any, me: int, wanted: list[str]) -> dict[str, Any]:
    rows = await markers_q.list_markers(conn, account_id=me, timelines=wanted)
    return {r["timeline"]: {"last_read_id": str(r["last_read_id"]), "version": r["version"],
                            "updated_at": iso(r["updated_at"])} for r in rows}


@routes.post("/api/v1/markers")
async def markers_save(request: web.Request) -> web.Response:
    me = await _me(request, "write:statuses")
    params = await read_params(request)
    changes: dict[str, int] = {}
    for timeline in TIMELINES:
        if params.has(timeline):
            raw = params.nested(timeline).str("last_read_id", required=True)
            last = parse_id(raw)
            if last is None:
                raise ValidationError(f"Validation failed: {timeline}[last_read_id] must be an "
                                      "id", field=f"{timeline}[last_read_id]")
            changes[timeline] = last
    async with request.app[DB].transaction() as conn:
        for timeline, last in changes.items():
            await markers_q.save_marker(conn, account_id=me, timeline=timeline,
                                        last_read_id=last, now=request.app[CLOCK].now())
        rows = await conn_markers(conn, me, list(changes))
    return web.json_response(rows)
