"""Accounts: /api/v1/accounts/… (the caller's own profile, lookups, relationships)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from aiohttp import web

from server.accounts import queries as accounts_q
from server.api import queries
from server.api.auth import optional_token, require_token
from server.api.entities.accounts import (
    render_account,
    render_accounts,
    render_credential_account,
    to_mastodon_relationship,
)
from server.api.params import Params, ids_param, match_id, parse_id, read_params
from server.errors import NotFoundError
from server.media.images import AVATAR, HEADER, ImageSpec, ProcessedImage, process_image
from server.profiles import service as profiles
from server.profiles.service import ProfileChanges
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
NOT_FOUND = "Record not found"


async def _credential_account(request: web.Request, account_id: int) -> web.Response:
    async with request.app[DB].acquire() as conn:
        entity = await render_credential_account(conn, request.app[CONFIG], account_id)
    if entity is None:
        raise NotFoundError(NOT_FOUND)
    return web.json_response(entity)


@routes.get("/api/v1/accounts/verify_credentials")
async def accounts_verify_credentials(request: web.Request) -> web.Response:
    token = await require_token(request, "read:accounts", alternatives=("profile",))
    assert token.account_id is not None
    return await _credential_account(request, token.account_id)


def _changes(params: Params) -> ProfileChanges:
    source = params.nested("source")
    fields = None
    if params.has("fields_attributes"):
        fields = [(f.str("name") or "", f.str("value") or "")
                  for f in params.nested_list("fields_attributes")]
    return profiles.check_changes(ProfileChanges(
        display_name=params.str("display_name"), note=params.str("note"),
        locked=params.bool("locked"), bot=params.bool("bot"),
        discoverable=params.bool("discoverable"), indexable=params.bool("indexable"),
        hide_collections=params.bool("hide_collections"), fields=fields,
        privacy=source.str("privacy"), sensitive=source.bool("sensitive"),
        language=source.str("language", strip=True),
        quote_policy=source.str("quote_policy", strip=True)))


async def _image(params: Params, name: str, spec: ImageSpec) -> ProcessedImage | None:
    upload = params.file(name)
    if upload is None:
        return None
    # Decoding and resizing take a while; keep the event loop free meanwhile.
    return await asyncio.to_thread(process_image, upload.data, spec, field=name)


@routes.patch("/api/v1/accounts/update_credentials")
async def accounts_update_credentials(request: web.Request) -> web.Response:
    token = await require_token(request, "write:accounts")
    assert token.account_id is not None
    params = await read_params(request)
    changes = _changes(params)   # text is checked before any picture is decoded
    avatar = await _image(params, "avatar", AVATAR)
    header = await _image(params, "header", HEADER)
    changes = replace(changes, avatar=avatar, header=header)
    await profiles.update_credentials(request.app[DB], config=request.app[CONFIG],
                                      account_id=token.account_id, changes=changes,
                                      now=request.app[CLOCK].now())
    return await _credential_account(request, token.account_id)


@routes.delete(r"/api/v1/profile/{kind:avatar|header}")
async def profile_picture_delete(request: web.Request) -> web.Response:
    """Back to the default avatar or header (Mastodon 4.2); the stored file goes."""
    token = await require_token(request, "write:accounts")
    assert token.account_id is not None
    await profiles.update_credentials(
        request.app[DB], config=request.app[CONFIG], account_id=token.account_id,
        changes=ProfileChanges(cleared=(request.match_info["kind"],)),
        now=request.app[CLOCK].now())
    return await _credential_account(request, token.account_id)


@routes.get("/api/v1/accounts/relationships")
async def accounts_relationships(request: web.Request) -> web.Response:
    token = await require_token(request, "read:follows")
    assert token.account_id is not None
    params = await read_params(request)
    ids = [i for i in (parse_id(v) for v in params.list("id")) if i is not None]
    async with request.app[DB].acquire() as conn:
        rows = await queries.list_relationships(
            conn, viewer_id=token.account_id, account_ids=list(dict.fromkeys(ids)),
            now=request.app[CLOCK].now(), with_suspended=bool(params.bool("with_suspended")))
    return web.json_response([to_mastodon_relationship(r) for r in rows])


@routes.get("/api/v1/accounts/lookup")
async def accounts_lookup(request: web.Request) -> web.Response:
    await optional_token(request, "read:accounts")
    params = await read_params(request)
    config = request.app[CONFIG]
    username, _, domain = (params.str("acct", strip=True) or "").lstrip("@").partition("@")
    if not username:
        raise NotFoundError(NOT_FOUND)
    if domain.lower() == config.domain.lower():
        domain = ""
    async with request.app[DB].acquire() as conn:
        account = await accounts_q.find_account_by_acct(conn, username=username,
                                                         domain=domain or None)
        entity = await render_account(conn, config, account.id) if account else None
    if entity is None:
        raise NotFoundError(NOT_FOUND)
    return web.json_response(entity)


@routes.get("/api/v1/accounts")
async def accounts_get_many(request: web.Request) -> web.Response:
    """Several accounts at once (`id[]`, at most 40), in the order asked; unknown ids are
    left out."""
    await optional_token(request, "read:accounts")
    wanted = ids_param(await read_params(request), 40)
    async with request.app[DB].acquire() as conn:
        entities = await render_accounts(conn, request.app[CONFIG], wanted)
    return web.json_response([entities[i] for i in wanted if i in entities])


@routes.get(r"/api/v1/accounts/{id:\d+}")
async def accounts_get(request: web.Request) -> web.Response:
    account_id = match_id(request)
    await optional_token(request, "read:accounts")
    async with request.app[DB].acquire() as conn:
        entity = await render_account(conn, request.app[CONFIG], account_id)
    if entity is None:
        raise NotFoundError(NOT_FOUND)
    return web.json_response(entity)
