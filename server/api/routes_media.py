"""Media: /api/v1/media, /api/v2/media and /api/v1/media/:id."""

from __future__ import annotations

from aiohttp import web

from server.api import queries as api_q
from server.api.auth import require_token
from server.api.entities.media import to_mastodon_media
from server.api.params import Params, match_id, read_params
from server.errors import ValidationError
from server.media import service, storage
from server.media.attachments import parse_focus
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


async def _upload(request: web.Request, *, allow_background: bool) -> web.Response:
    token = await require_token(request, "write:media")
    assert token.account_id is not None
    params = await read_params(request)
    upload = params.file("file")
    if upload is None:
        raise ValidationError("Validation failed: File can't be blank", field="file")
    description = params.str("description")
    focus = parse_focus(params.str("focus"))
    row = await service.create_media(
        request.app[DB], config=request.app[CONFIG], account_id=token.account_id,
        data=upload.data, content_type=upload.content_type, description=description,
        focus=focus, now=request.app[CLOCK].now(), allow_background=allow_background)
    status = 202 if row.processing else 200
    return web.json_response(to_mastodon_media(row, request.app[CONFIG]), status=status)


@routes.post("/api/v1/media")
async def media_v1_create(request: web.Request) -> web.Response:
    return await _upload(request, allow_background=False)


@routes.post("/api/v2/media")
async def media_v2_create(request: web.Request) -> web.Response:
    return await _upload(request, allow_background=True)


@routes.get(r"/api/v1/media/{id}")
async def media_get(request: web.Request) -> web.Response:
    token = await require_token(request, "write:media")
    assert token.account_id is not None
    media_id = match_id(request)
    async with request.app[DB].acquire() as conn:
        row = await service.get_own_media(conn, account_id=token.account_id, media_id=media_id)
    return web.json_response(to_mastodon_media(row, request.app[CONFIG]),
                             status=206 if row.processing else 200)


def _changes(params: Params) -> tuple[str | None, tuple[float, float] | None]:
    return params.str("description"), parse_focus(params.str("focus"))


@routes.put(r"/api/v1/media/{id}")
async def media_update(request: web.Request) -> web.Response:
    token = await require_token(request, "write:media")
    assert token.account_id is not None
    media_id = match_id(request)
    description, focus = _changes(await read_params(request))
    async with request.app[DB].transaction() as conn:
        row = await service.update_media(conn, account_id=token.account_id, media_id=media_id,
                                         description=description, focus=focus)
    return web.json_response(to_mastodon_media(row, request.app[CONFIG]),
                             status=206 if row.processing else 200)


IN_USE = "This media is attached to a post and stays with it"


@routes.delete(r"/api/v1/media/{id}")
async def media_delete(request: web.Request) -> web.Response:
    """Give up an upload not yet on a post (Mastodon 4.4). One on a post, or waiting in a
    scheduled post, stays: 422."""
    token = await require_token(request, "write:media")
    assert token.account_id is not None
    media_id = match_id(request)
    async with request.app[DB].transaction() as conn:
        files = await api_q.delete_unattached_media(conn, media_id=media_id,
                                                    account_id=token.account_id)
        if files is None:
            await service.get_own_media(conn, account_id=token.account_id, media_id=media_id)
            raise ValidationError(IN_USE, field="id")
    for path in files:   # after the commit: a file outlives its row, never the other way
        await storage.remove(request.app[CONFIG], path)
    return web.json_response({})
