"""/settings/profile: display name, bio, avatar and header, four profile fields and the
account's flags (locked, bot, discoverable, indexable), saved through the same service as
the API's update_credentials, so the change goes out to followers' servers as an Update.

A refused form is shown again with what was typed and the field named; the images are
checked (and re-encoded) before anything is written, and the service stores nothing of a
change it refuses."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from aiohttp import web

from server.accounts.queries import Account
from server.api.entities.accounts import render_credential_account
from server.errors import CommonholdError, NotFoundError, PayloadTooLargeError
from server.media.images import AVATAR, HEADER, ImageSpec, ProcessedImage, process_image
from server.profiles import service as profiles
from server.profiles.service import FIELDS_MAX, ProfileChanges
from server.web.forms import see_other
from server.web.html import render
from server.web.social.uploads import FileUpload, read_multipart
from server.web.social.viewer import members_page, require_viewer
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
FLAGS = ("locked", "bot", "discoverable", "indexable")
_MAX_FIELD = 10_000   # far beyond any valid value: refused by the service's checks


def _form_from(entity: dict[str, Any]) -> dict[str, str]:
    """The form's values from the credential account (the bio and fields as written)."""
    source = entity["source"]
    form = {"display_name": entity["display_name"], "note": source["note"]}
    for flag in FLAGS:
        form[flag] = "on" if (source.get(flag) if flag in source else entity.get(flag)) else ""
    for i, field in enumerate(source["fields"][:FIELDS_MAX]):
        form[f"field_name_{i}"], form[f"field_value_{i}"] = field["name"], field["value"]
    return form


def changes_from(form: Mapping[str, str]) -> ProfileChanges:
    """Every value the form shows; an unticked box is false (browsers send nothing)."""
    fields = [(form.get(f"field_name_{i}", "")[:_MAX_FIELD],
               form.get(f"field_value_{i}", "")[:_MAX_FIELD]) for i in range(FIELDS_MAX)]
    return profiles.check_changes(ProfileChanges(
        display_name=form.get("display_name", "")[:_MAX_FIELD],
        note=form.get("note", "")[:_MAX_FIELD].replace("\r\n", "\n"),
        fields=fields, **{flag: form.get(flag, "") == "on" for flag in FLAGS}))


async def _image(files: Mapping[str, FileUpload], name: str,
                 spec: ImageSpec) -> ProcessedImage | None:
    upload = files.get(name)
    if upload is None:
        return None
    if len(upload.data) > spec.max_bytes:
        raise PayloadTooLargeError(f"The {name} is too large: it can be at most "
                                   f"{spec.max_bytes // (1024 * 1024)} MB.", field=name)
    # Decoding and resizing take a while; keep the event loop free meanwhile.
    return await asyncio.to_thread(process_image, upload.data, spec, field=name)


async def _page(request: web.Request, account_id: int, form: dict[str, str], *,
                status: int = 200, error: str | None = None,
                error_field: str = "") -> web.Response:
    async with request.app[DB].acquire() as conn:
        entity = await render_credential_account(conn, request.app[CONFIG], account_id)
    if entity is None:
        raise NotFoundError("Record not found")
    return await render(request, "social/settings_profile.html", status=status, form=form,
                        account=entity, error=error, error_field=error_field,
                        fields_max=FIELDS_MAX)


@routes.get("/settings/profile")
@members_page
async def get_profile_settings(request: web.Request, viewer: Account) -> web.StreamResponse:
    async with request.app[DB].acquire() as conn:
        entity = await render_credential_account(conn, request.app[CONFIG], viewer.id)
    if entity is None:
        raise NotFoundError("Record not found")
    return await _page(request, viewer.id, _form_from(entity))


@routes.post("/settings/profile")
async def post_profile_settings(request: web.Request) -> web.StreamResponse:
    form, files = await read_multipart(request)
    viewer = await require_viewer(request)
    try:
        changes = changes_from(form)   # text is checked before any picture is decoded
        avatar = await _image(files, "avatar", AVATAR)
        header = await _image(files, "header", HEADER)
        cleared = tuple(kind for kind in ("avatar", "header")
                        if form.get(f"clear_{kind}") == "on" and kind not in files)
        await profiles.update_credentials(
            request.app[DB], config=request.app[CONFIG], account_id=viewer.id,
            changes=replace(changes, avatar=avatar, header=header, cleared=cleared),
            now=request.app[CLOCK].now())
    except CommonholdError as exc:
        if exc.status not in (413, 422):
            raise
        field = str(exc.detail.get("field", ""))
        field = "field_name_0" if field == "fields_attributes" else field
        return await _page(request, viewer.id, {k: v for k, v in form.items()
                                                if k != "csrf_token"},
                           status=exc.status, error=exc.message, error_field=field)
    return see_other("/settings/profile?notice=profile_saved")
