"""Shared by the status, timeline and notification routes: who the caller is, and answering
with rendered statuses (and Link headers for pages)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.api.auth import TokenContext
from server.api.entities.statuses import render_status, render_statuses
from server.api.pagination import Page, paginate
from server.api.statusviews.queries import PageRow
from server.db import Conn
from server.errors import UnauthorizedError
from server.jsonio import dumpb
from server.statuses.queries import Status
from server.web.state import CLOCK, CONFIG


async def caller_account(conn: Conn, token: TokenContext | None) -> Account | None:
    if token is None or token.account_id is None:
        return None
    account = await accounts_q.get_account(conn, account_id=token.account_id)
    if account is None:
        raise UnauthorizedError("The access token is invalid")
    return account


async def status_response(request: web.Request, conn: Conn, status: Status, *,
                          viewer_id: int | None, with_source: bool = False) -> web.Response:
    entity = await render_status(conn, request.app[CONFIG], status, viewer_id=viewer_id,
                                 now=request.app[CLOCK].now(), with_source=with_source)
    return json_body(entity)


class ReleasedBodyResponse(web.Response):
    """A response that lets go of its body once sent. aiohttp's connection handler keeps its
    last response until the connection's next request, and an idle keep-alive connection
    may stay open for an hour: a page of statuses is tens of KiB, so a client's few hundred
    open connections kept tens of MiB of pages already sent."""

    async def write_eof(self, data: bytes = b"") -> None:
        await super().write_eof(data)
        self.body = None


def json_body(value: Any) -> web.Response:
    """A JSON answer encoded by orjson straight to bytes (pages of statuses are the biggest
    answers the API gives, and the standard encoder was a tenth of their cost)."""
    return ReleasedBodyResponse(body=dumpb(value), content_type="application/json",
                                charset="utf-8")


async def statuses_page(request: web.Request, conn: Conn, ids: Sequence[int], *,
                        viewer_id: int | None, page: Page | None,
                        page_ids: Sequence[int] | None = None,
                        filter_context: str | None = None,
                        loaded: list[PageRow] | None = None) -> web.Response:
    """A list of statuses, newest first; `page_ids` are the paging cursors when they are not
    the status ids themselves (bookmarks and favourites page by their own ids); `loaded` as
    render_statuses takes it."""
    entities: list[dict[str, Any]] = await render_statuses(
        conn, request.app[CONFIG], list(ids), viewer_id=viewer_id, now=request.app[CLOCK].now(),
        filter_context=filter_context, loaded=loaded, serialised_at_once=True)
    response = json_body(entities)
    if page is not None:
        paginate(response, request, request.app[CONFIG], page,
                 list(page_ids if page_ids is not None else ids))
    return response
