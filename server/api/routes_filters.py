"""Filters v2 (/api/v2/filters...): a member's keyword and status filters; and the v1 API
(/api/v1/filters), which sees each keyword as a filter of its own."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api.auth import require_token
from server.api.entities.common import iso
from server.api.params import Params, match_id, parse_id, read_params
from server.accounts import queries as accounts_q
from server.errors import NotFoundError, ValidationError
from server.filters import queries, service
from server.filters import v1 as filters_v1
from server.filters.service import FilterView, KeywordChange
from server.statuses import service as statuses
from server.web.state import CLOCK, DB

routes = web.RouteTableDef()


def to_mastodon_keyword(k: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(k["id"]), "keyword": k["keyword"], "whole_word": k["whole_word"]}


def to_mastodon_filter_status(s: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(s["id"]), "status_id": str(s["status_id"])}


def to_mastodon_filter(view: FilterView) -> dict[str, Any]:
    row = view.row
    return {"id": str(row.id), "title": row.title, "context": list(row.context),
            "expires_at": iso(row.expires_at) if row.expires_at else None,
            "filter_action": row.filter_action,
            "keywords": [to_mastodon_keyword(k) for k in view.keywords],
            "statuses": [to_mastodon_filter_status(s) for s in view.statuses]}


async def _me(request: web.Request, scope: str) -> int:
    token = await require_token(request, scope)
    assert token.account_id is not None
    return token.account_id


def _keyword_changes(params: Params) -> list[KeywordChange]:
    changes = []
    for item in params.nested_list("keywords_attributes"):
        raw_id = item.str("id")
        changes.append(KeywordChange(keyword=item.str("keyword"), whole_word=item.bool("whole_word"),
                                     id=parse_id(raw_id) if raw_id else None,
                                     destroy=bool(item.bool("_destroy"))))
    return changes


def _expires_in(params: Params) -> tuple[int | None, bool]:
    """(seconds, clear): an empty `expires_in` removes the expiry, as Mastodon does."""
    if params.raw("expires_in") == "":
        return None, True
    return params.int("expires_in"), False


@routes.get("/api/v2/filters")
async def filters_index(request: web.Request) -> web.Response:
    me = await _me(request, "read:filters")
    async with request.app[DB].acquire() as conn:
        found = await service.list_views(conn, account_id=me)
    return web.json_response([to_mastodon_filter(v) for v in found])


@routes.post("/api/v2/filters")
async def filters_create(request: web.Request) -> web.Response:
    me = await _me(request, "write:filters")
    params = await read_params(request)
    seconds, _ = _expires_in(params)
    async with request.app[DB].transaction() as conn:
        view = await service.create_filter(
            conn, account_id=me, title=params.str("title"), context=params.list("context"),
            action=params.str("filter_action"), expires_in=seconds,
            keywords=_keyword_changes(params), now=request.app[CLOCK].now())
    return web.json_response(to_mastodon_filter(view))


@routes.get(r"/api/v2/filters/{id}")
async def filters_show(request: web.Request) -> web.Response:
    me = await _me(request, "read:filters")
    async with request.app[DB].acquire() as conn:
        view = await service.get_view(conn, account_id=me, filter_id=match_id(request))
    return web.json_response(to_mastodon_filter(view))


@routes.put(r"/api/v2/filters/{id}")
async def filters_update(request: web.Request) -> web.Response:
    me = await _me(request, "write:filters")
    params = await read_params(request)
    seconds, clear = _expires_in(params)
    context = params.list("context") or None      # absent: unchanged
    async with request.app[DB].transaction() as conn:
        view = await service.update_filter(
            conn, account_id=me, filter_id=match_id(request), title=params.str("title"),
            context=context, action=params.str("filter_action"), expires_in=seconds,
            clear_expiry=clear, keywords=_keyword_changes(params), now=request.app[CLOCK].now())
    return web.json_response(to_mastodon_filter(view))


@routes.delete(r"/api/v2/filters/{id}")
async def filters_delete(request: web.Request) -> web.Response:
    me = await _me(request, "write:filters")
    async with request.app[DB].transaction() as conn:
        await service.delete_filter(conn, account_id=me, filter_id=match_id(request))
    return web.json_response({})


@routes.get(r"/api/v2/filters/{id}/keywords")
async def filter_keywords_index(request: web.Request) -> web.Response:
    me = await _me(request, "read:filters")
    async with request.app[DB].acquire() as conn:
        view = await service.get_view(conn, account_id=me, filter_id=match_id(request))
    return web.json_response([to_mastodon_keyword(k) for k in view.keywords])


@routes.post(r"/api/v2/filters/{id}/keywords")
async def filter_keywords_create(request: web.Request) -> web.Response:
    me = await _me(request, "write:filters")
    params = await read_params(request)
    async with request.app[DB].transaction() as conn:
        keyword = await service.add_keyword(conn, account_id=me, filter_id=match_id(request),
                                            keyword=params.str("keyword"),
                                            whole_word=params.bool("whole_word"),
                                            now=request.app[CLOCK].now())
    return web.json_response(to_mastodon_keyword(keyword))


@routes.get(r"/api/v2/filters/keywords/{id}")
async def filter_keywords_show(request: web.Request) -> web.Response:
    me = await _me(request, "read:filters")
    async with request.app[DB].acquire() as conn:
        keyword = await queries.get_keyword(conn, keyword_id=match_id(request), account_id=me)
    if keyword is None:
        raise NotFoundError("Record not found")
    return web.json_response(to_mastodon_keyword(keyword))


@routes.put(r"/api/v2/filters/keywords/{id}")
async def filter_keywords_update(request: web.Request) -> web.Response:
    me = await _me(request, "write:filters")
    params = await read_params(request)
    async with request.app[DB].transaction() as conn:
        keyword = await service.change_keyword(conn, account_id=me, keyword_id=match_id(request),
                                               keyword=params.str("keyword"),
                                               whole_word=params.bool("whole_word"))
    return web.json_response(to_mastodon_keyword(keyword))


@routes.delete(r"/api/v2/filters/keywords/{id}")
async def filter_keywords_delete(request: web.Request) -> web.Response:
    me = await _me(request, "write:filters")
    async with request.app[DB].transaction() as conn:
        await service.change_keyword(conn, account_id=me, keyword_id=match_id(request),
                                     keyword=None, whole_word=None, destroy=True)
    return web.json_response({})


@routes.get(r"/api/v2/filters/{id}/statuses")
async def filter_statuses_index(request: web.Request) -> web.Response:
    me = await _me(request, "read:filters")
    async with request.app[DB].acquire() as conn:
        view = await service.get_view(conn, account_id=me, filter_id=match_id(request))
    return web.json_response([to_mastodon_filter_status(s) for s in view.statuses])


@routes.post(r"/api/v2/filters/{id}/statuses")
async def filter_statuses_create(request: web.Request) -> web.Response:
    me = await _me(request, "write:filters")
    params = await read_params(request)
    raw = params.str("status_id", required=True)
    status_id = parse_id(raw or "")
    if status_id is None:
        raise ValidationError("Validation failed: Status can't be blank", field="status_id")
    async with request.app[DB].transaction() as conn:
        viewer = await accounts_q.get_account(conn, account_id=me)
        await statuses.access_status_for_viewing(conn, status_id=status_id, viewer=viewer)
        found = await service.add_status(conn, account_id=me, filter_id=match_id(request),
                                         status_id=status_id, now=request.app[CLOCK].now())
    return web.json_response(to_mastodon_filter_status(found))


@routes.get(r"/api/v2/filters/statuses/{id}")
async def filter_statuses_show(request: web.Request) -> web.Response:
    me = await _me(request, "read:filters")
    async with request.app[DB].acquire() as conn:
        found = await queries.get_filter_status(conn, filter_status_id=match_id(request),
                                                account_id=me)
    if found is None:
        raise NotFoundError("Record not found")
    return web.json_response(to_mastodon_filter_status(found))


@routes.delete(r"/api/v2/filters/statuses/{id}")
async def filter_statuses_delete(request: web.Request) -> web.Response:
    me = await _me(request, "write:filters")
    async with request.app[DB].transaction() as conn:
        await service.remove_status(conn, account_id=me, filter_status_id=match_id(request))
    return web.json_response({})


# Filters v1 (/api/v1/filters...): one keyword each, over the v2 filters (server/filters/v1.py).

def to_mastodon_v1_filter(found: filters_v1.V1Filter) -> dict[str, Any]:
    row = found.row
    return {"id": str(found.keyword["id"]), "phrase": found.keyword["keyword"],
            "context": list(row.context), "whole_word": found.keyword["whole_word"],
            "expires_at": iso(row.expires_at) if row.expires_at else None,
            "irreversible": row.filter_action == "hide"}


@routes.get("/api/v1/filters")
async def filters_v1_index(request: web.Request) -> web.Response:
    me = await _me(request, "read:filters")
    async with request.app[DB].acquire() as conn:
        found = await filters_v1.list_filters(conn, account_id=me)
    return web.json_response([to_mastodon_v1_filter(f) for f in found])


@routes.post("/api/v1/filters")
async def filters_v1_create(request: web.Request) -> web.Response:
    me = await _me(request, "write:filters")
    params = await read_params(request)
    seconds, _ = _expires_in(params)
    async with request.app[DB].transaction() as conn:
        found = await filters_v1.create_filter(
            conn, account_id=me, phrase=params.str("phrase"), context=params.list("context"),
            irreversible=params.bool("irreversible"), whole_word=params.bool("whole_word"),
            expires_in=seconds, now=request.app[CLOCK].now())
    return web.json_response(to_mastodon_v1_filter(found))


@routes.get(r"/api/v1/filters/{id}")
async def filters_v1_show(request: web.Request) -> web.Response:
    me = await _me(request, "read:filters")
    async with request.app[DB].acquire() as conn:
        found = await filters_v1.get_filter(conn, account_id=me, keyword_id=match_id(request))
    return web.json_response(to_mastodon_v1_filter(found))


@routes.put(r"/api/v1/filters/{id}")
async def filters_v1_update(request: web.Request) -> web.Response:
    me = await _me(request, "write:filters")
    params = await read_params(request)
    seconds, clear = _expires_in(params)
    async with request.app[DB].transaction() as conn:
        found = await filters_v1.update_filter(
            conn, account_id=me, keyword_id=match_id(request), phrase=params.str("phrase"),
            context=params.list("context") or None, irreversible=params.bool("irreversible"),
            whole_word=params.bool("whole_word"), expires_in=seconds, clear_expiry=clear,
            now=request.app[CLOCK].now())
    return web.json_response(to_mastodon_v1_filter(found))


@routes.delete(r"/api/v1/filters/{id}")
async def filters_v1_delete(request: web.Request) -> web.Response:
    me = await _me(request, "write:filters")
    async with request.app[DB].transaction() as conn:
        await filters_v1.delete_filter(conn, account_id=me, keyword_id=match_id(request))
    return web.json_response({})
