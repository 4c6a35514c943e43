"""The signed-in member's lists as pages: /lists (their lists and a form to make one),
/lists/ID (the list's posts, read as the API's list timeline reads them) and /lists/ID/edit
(its title, which replies it shows, whether its members' posts leave the home timeline, and
its members: accounts the member follows, added by their handle). The forms call the
service the API calls; a refused form is shown again with what was typed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from aiohttp import web

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.api.entities.accounts import render_accounts
from server.db import Conn
from server.errors import CommonholdError, NotFoundError, ValidationError
from server.ids import parse_id
from server.lists import queries as lists_q
from server.lists import service
from server.lists.queries import ListRow
from server.web.forms import read_form, see_other
from server.web.html import render
from server.web.social import reading
from server.web.social.viewer import max_id, members_page, require_viewer
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
POLICY_LABELS = [("list", "Replies to members of the list"),
                 ("followed", "Replies to anyone you follow"),
                 ("none", "No replies")]
_PREFIX = "Validation failed: "


def _list_id(request: web.Request) -> int:
    value = parse_id(request.match_info["id"])
    if value is None:
        raise NotFoundError("There is no such list.")
    return value


def _message(exc: CommonholdError) -> str:
    text = exc.message.removeprefix(_PREFIX)
    return text[:1].upper() + text[1:]


def _settings(form: dict[str, str]) -> dict[str, Any]:
    return {"title": form.get("title", "").strip() or None,
            "replies_policy": form.get("replies_policy") or None,
            "exclusive": form.get("exclusive") == "on"}


@contextlib.contextmanager
def _no_such_list() -> Iterator[None]:
    """The service's "Record not found" (the API's words for someone else's list, or none)
    as the pages say it."""
    try:
        yield
    except NotFoundError:
        raise NotFoundError("There is no such list.") from None


async def _own(conn: Conn, list_id: int, owner_id: int) -> ListRow:
    with _no_such_list():
        return await service.own_list(conn, list_id=list_id, owner_id=owner_id)


@routes.get("/lists")
@members_page
async def get_lists(request: web.Request, viewer: Account) -> web.StreamResponse:
    return await _index(request, viewer.id, form={}, error=None)


async def _index(request: web.Request, owner_id: int, *, form: dict[str, str],
                 error: str | None, status: int = 200) -> web.Response:
    async with request.app[DB].acquire() as conn:
        rows = await lists_q.list_lists(conn, account_id=owner_id)
    return await render(request, "social/lists.html", status=status, lists=rows, form=form,
                        error=error, policies=POLICY_LABELS)


@routes.post("/lists")
async def post_list(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    me = await require_viewer(request)
    try:
        async with request.app[DB].transaction() as conn:
            row = await service.create_list(conn, owner_id=me.id, now=request.app[CLOCK].now(),
                                            **_settings(form))
    except ValidationError as exc:
        return await _index(request, me.id, form=form, error=_message(exc), status=422)
    return see_other(f"/lists/{row.id}")


@routes.get(r"/lists/{id:\d+}")
@members_page
async def get_list(request: web.Request, viewer: Account) -> web.StreamResponse:
    list_id = _list_id(request)
    async with request.app[DB].acquire() as conn:
        row = await _own(conn, list_id, viewer.id)
        page = await reading.list_timeline(conn, config=request.app[CONFIG], viewer_id=viewer.id,
                                           list_id=list_id, max_id=max_id(request),
                                           now=request.app[CLOCK].now())
    return await render(request, "social/timeline.html", page=page, heading=row.title,
                        path=request.path, here=request.path_qs,
                        tabs=[(request.path, "Posts"), (f"{request.path}/edit", "Edit list")],
                        empty="No posts here yet. Add accounts you follow to this list.")


async def _edit_page(request: web.Request, row: ListRow, *, form: dict[str, str] | None = None,
                     error: str | None = None, status: int = 200) -> web.Response:
    async with request.app[DB].acquire() as conn:
        members = await lists_q.page_list_accounts(conn, list_id=row.id, max_id=None,
                                                   since_id=None, min_id=None, limit=0)
        entities = await render_accounts(conn, request.app[CONFIG],
                                         [m["account_id"] for m in members])
    shown = [entities[m["account_id"]] for m in members if m["account_id"] in entities]
    values = form if form is not None else {
        "title": row.title, "replies_policy": row.replies_policy,
        "exclusive": "on" if row.exclusive else ""}
    return await render(request, "social/list_edit.html", status=status, row=row, form=values,
                        members=shown, error=error, policies=POLICY_LABELS)


@routes.get(r"/lists/{id:\d+}/edit")
@members_page
async def get_list_edit(request: web.Request, viewer: Account) -> web.StreamResponse:
    async with request.app[DB].acquire() as conn:
        row = await _own(conn, _list_id(request), viewer.id)
    return await _edit_page(request, row)


@routes.post(r"/lists/{id:\d+}/edit")
async def post_list_edit(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    me = await require_viewer(request)
    list_id = _list_id(request)
    try:
        with _no_such_list():
            async with request.app[DB].transaction() as conn:
                await service.update_list(conn, list_id=list_id, owner_id=me.id,
                                          **_settings(form))
    except ValidationError as exc:
        async with request.app[DB].acquire() as conn:
            row = await _own(conn, list_id, me.id)
        return await _edit_page(request, row, form=form, error=_message(exc), status=422)
    return see_other(f"/lists/{list_id}/edit?notice=list_saved")


@routes.post(r"/lists/{id:\d+}/delete")
async def post_list_delete(request: web.Request) -> web.StreamResponse:
    await read_form(request)
    me = await require_viewer(request)
    with _no_such_list():
        async with request.app[DB].transaction() as conn:
            await service.delete_list(conn, list_id=_list_id(request), owner_id=me.id)
    return see_other("/lists?notice=list_deleted")


def _handle(text: str, local_domain: str) -> tuple[str, str | None] | None:
    """`name`, `@name` or `@name@domain` (our own domain written out is local)."""
    parts = text.strip().lstrip("@").split("@")
    if len(parts) not in (1, 2) or not all(parts):
        return None
    domain = parts[1] if len(parts) == 2 else None
    if domain is not None and domain.lower() == local_domain.lower():
        domain = None
    return parts[0], domain


@routes.post(r"/lists/{id:\d+}/members")
async def post_list_member(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    me = await require_viewer(request)
    list_id = _list_id(request)
    typed = form.get("acct", "")
    handle = _handle(typed, request.app[CONFIG].domain)
    error = None
    with _no_such_list():
        async with request.app[DB].transaction() as conn:
            found = handle and await accounts_q.find_account_by_acct(
                conn, username=handle[0], domain=handle[1])
            if not found:
                error = f"No account {typed.strip() or '(none given)'} is known here."
            else:
                try:   # the service checks the list is theirs
                    await service.add_accounts(conn, list_id=list_id, owner_id=me.id,
                                               account_ids=[found.id])
                except ValidationError:
                    error = f"You can only add accounts you follow: follow @{found.acct()} first."
    if error is not None:
        async with request.app[DB].acquire() as conn:
            row = await _own(conn, list_id, me.id)
        return await _edit_page(request, row, error=error, status=422)
    return see_other(f"/lists/{list_id}/edit?notice=member_added")


@routes.post(r"/lists/{id:\d+}/members/{account_id:\d+}/remove")
async def post_list_member_remove(request: web.Request) -> web.StreamResponse:
    await read_form(request)
    me = await require_viewer(request)
    list_id = _list_id(request)
    account_id = parse_id(request.match_info["account_id"])
    with _no_such_list():
        async with request.app[DB].transaction() as conn:
            await service.remove_accounts(conn, list_id=list_id, owner_id=me.id,
                                          account_ids=[account_id] if account_id else [])
    return see_other(f"/lists/{list_id}/edit?notice=member_removed")
