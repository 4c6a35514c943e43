"""Editing one's own post (text, content warning, sensitive flag, language, each image's
description; the images themselves and a poll stay as they are) through statuses.service.edit_status,
which keeps the previous version, and the page listing a post's versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from server.accounts.queries import Account
from server.api.entities.common import iso
from server.api.entities.statuses import render_status
from server.config import Config
from server.db import Conn
from server.errors import CommonholdError, NotFoundError
from server.ids import parse_id
from server.statuses import queries as statuses_q
from server.statuses import service
from server.statuses.compose import Draft, MediaChange
from server.statuses.queries import Status
from server.web.forms import read_form, see_other
from server.web.html import render
from server.web.social.posting import refused_field
from server.web.social.viewer import members_page, own_status, require_viewer, viewer_account
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
_MAX_FIELD = 10_000   # far beyond any valid post: refused before formatting it
DRAFT_FIELDS = ("status", "spoiler_text", "sensitive", "language")
DESCRIPTION_PREFIX = "description_"   # + the attachment's id


def _id(request: web.Request) -> int:
    value = parse_id(request.match_info["id"])
    if value is None:
        raise NotFoundError("There is no such post.")
    return value


async def _edit_page(request: web.Request, conn: Conn, account: Account, status: Status, *,
                     draft: dict[str, str], error: str | None = None, error_field: str = "",
                     status_code: int = 200, fresh: bool = False) -> web.Response:
    entry = await render_status(conn, request.app[CONFIG], status, viewer_id=account.id,
                                now=request.app[CLOCK].now())
    if fresh:   # each image's description as it is now
        draft = {**draft, **{DESCRIPTION_PREFIX + m["id"]: m["description"] or ""
                             for m in entry["media_attachments"]}}
    return await render(request, "social/edit.html", status=status_code, entry=entry,
                        draft=draft, error=error, error_field=error_field, here=request.path)


@routes.get(r"/statuses/{id:\d+}/edit")
@members_page
async def get_edit(request: web.Request, account: Account) -> web.StreamResponse:
    async with request.app[DB].acquire() as conn:
        status = await own_status(conn, account, _id(request), verb="edit")
        draft = {"status": status.text_source or "", "spoiler_text": status.spoiler_text,
                 "sensitive": "on" if status.sensitive else "", "language": status.language or ""}
        return await _edit_page(request, conn, account, status, draft=draft, fresh=True)


@routes.post(r"/statuses/{id:\d+}/edit")
async def post_edit(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    account = await require_viewer(request)
    status_id = _id(request)
    config, now = request.app[CONFIG], request.app[CLOCK].now()
    try:
        async with request.app[DB].transaction() as conn:
            status = await own_status(conn, account, status_id, verb="edit")
            entry = await render_status(conn, config, status, viewer_id=account.id, now=now)
            await service.edit_status(conn, config=config, author=account, status_id=status.id,
                                      draft=_draft(form, status, entry), now=now,
                                      media_changes=_media_changes(form, entry),
                                      keep_poll=True)
    except CommonholdError as exc:
        if exc.status != 422:
            raise
        draft = {k: v for k, v in form.items()
                 if k in DRAFT_FIELDS or k.startswith(DESCRIPTION_PREFIX)}
        async with request.app[DB].acquire() as conn:
            status = await own_status(conn, account, status_id, verb="edit")
            return await _edit_page(request, conn, account, status, draft=draft,
                                    error=exc.message, error_field=refused_field(exc),
                                    status_code=422)
    return see_other(f"/@{account.username}/{status_id}?notice=edited#status-{status_id}")


def _media_changes(form: dict[str, str], entry: dict[str, Any]) -> list[MediaChange]:
    """Each image's description as the form has it (an emptied one is removed)."""
    changes = []
    for media in entry["media_attachments"]:
        typed = form.get(DESCRIPTION_PREFIX + media["id"])
        if typed is not None and typed.strip() != (media["description"] or ""):
            changes.append(MediaChange(id=int(media["id"]),
                                       description=typed.strip()[:_MAX_FIELD]))
    return changes


def _draft(form: dict[str, str], status: Status, entry: dict[str, Any]) -> Draft:
    # The images stay attached (passing them again keeps their order and lets a post
    # that is only images keep an empty text).
    return Draft(text=form.get("status", "")[:_MAX_FIELD],
                 spoiler_text=form.get("spoiler_text", "")[:_MAX_FIELD],
                 visibility=status.visibility,
                 sensitive=form.get("sensitive", "") == "on",
                 language=form.get("language", "").strip() or None,
                 media_ids=[int(m["id"]) for m in entry["media_attachments"]])


async def versions(conn: Conn, *, config: Config, status: Status, viewer_id: int | None,
                   now: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The post as shown now, and every version (as the API's history: oldest first, the
    current one last)."""
    entry = await render_status(conn, config, status, viewer_id=viewer_id, now=now)
    shown = [{"content": e["content"], "spoiler_text": e["spoiler_text"],
              "sensitive": e["sensitive"], "created_at": iso(e["created_at"]),
              "poll": [str(o) for o in e["poll_options"] or []]}
             for e in await statuses_q.list_status_edits(conn, status_id=status.id)]
    shown.append({"content": entry["content"], "spoiler_text": entry["spoiler_text"],
                  "sensitive": entry["sensitive"],
                  "created_at": iso(status.edited_at or status.created_at),
                  "poll": [o["title"] for o in (entry.get("poll") or {}).get("options", [])]})
    return entry, shown


@routes.get(r"/statuses/{id:\d+}/history")
async def get_history(request: web.Request) -> web.StreamResponse:
    viewer = await viewer_account(request)
    async with request.app[DB].acquire() as conn:
        status = await service.access_status_for_viewing(conn, status_id=_id(request),
                                                         viewer=viewer)
        if status.reblog_of_id is not None:
            raise NotFoundError("There is no such post.")
        entry, shown = await versions(conn, config=request.app[CONFIG], status=status,
                                      viewer_id=viewer.id if viewer else None,
                                      now=request.app[CLOCK].now())
    return await render(request, "social/history.html", entry=entry, versions=shown,
                        here=request.path)
