"""A status's page: the thread around it (ancestors and replies, as the API's context) and,
for a signed-in reader, a reply form addressed to the people in the conversation.

Local posts live at /@name/ID (served from federation's object route, which hands browsers
here), remote ones at /@name@domain/ID; /statuses/ID leads to either."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.errors import NotFoundError
from server.ids import parse_id
from server.statuses import queries as statuses_q
from server.statuses import service as statuses
from server.web.forms import see_other
from server.web.html import render
from server.web.social import reading
from server.web.social.viewer import viewer_account
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


def reply_text(status: dict[str, Any], viewer: Account | None) -> str:
    """The reply's opening mentions: the author, then the people they mentioned, not the
    reader (as Mastodon's compose box fills them)."""
    mine = viewer.acct() if viewer else None
    names: list[str] = []
    for acct in [status["account"]["acct"], *(m["acct"] for m in status["mentions"])]:
        if acct != mine and acct not in names:
            names.append(acct)
    return "".join(f"@{name} " for name in names)


async def status_page(request: web.Request, *, status_id: int | None,
                      acct: str) -> web.StreamResponse:
    """The thread page of a status written by `acct` (name, or name@domain): 404 when the
    reader may not see it or it is someone else's, 410 for a public post since deleted."""
    if status_id is None:
        raise NotFoundError("There is no such post.")
    viewer = await viewer_account(request)
    config = request.app[CONFIG]
    async with request.app[DB].acquire() as conn:
        found = await statuses_q.get_status(conn, status_id=status_id)
        if found is not None and found.deleted_at is not None and found.reblog_of_id is None \
                and found.visibility in ("public", "unlisted"):
            raise web.HTTPGone(text="This post was deleted.")
        if found is None or found.reblog_of_id is not None:
            raise NotFoundError("There is no such post.")
        thread = await reading.thread(conn, config=config, viewer=viewer, status_id=status_id,
                                      now=request.app[CLOCK].now())
    if thread.status["account"]["acct"].lower() != acct.lower():
        raise NotFoundError("There is no such post.")
    shown = thread.status
    # A reply is as private as what it answers, at most (Mastodon's default).
    order = ["public", "unlisted", "private", "direct"]
    visibility = shown["visibility"] if shown["visibility"] in order else "public"
    # ?quote: the form quotes the post instead of answering it (a fresh text, public), when
    # its quote policy lets the reader (posting decides again).
    quoting = "quote" in request.query and (shown.get("quote_approval") or {}).get(
        "current_user", "denied") != "denied"
    if quoting:
        draft = {"status": "", "spoiler_text": "", "visibility": "public", "language": "",
                 "next": request.path, "quoted_status_id": shown["id"]}
    else:
        draft = {"status": reply_text(shown, viewer), "spoiler_text": shown["spoiler_text"],
                 "visibility": visibility, "language": "", "next": request.path}
    response = await render(request, "federation/status.html", thread=thread, draft=draft,
                            here=request.path, account=shown["account"], quoting=quoting)
    response.headers["Vary"] = "Accept"
    return response


@routes.get(r"/@{username:[A-Za-z0-9_]+}@{domain:[^/@]+}/{status_id:\d+}")
async def get_remote_status(request: web.Request) -> web.StreamResponse:
    info = request.match_info
    return await status_page(request, status_id=parse_id(info["status_id"]),
                             acct=f"{info['username']}@{info['domain']}")


@routes.get(r"/statuses/{status_id:\d+}")
async def get_status_anywhere(request: web.Request) -> web.StreamResponse:
    viewer = await viewer_account(request)
    async with request.app[DB].acquire() as conn:
        status = await statuses.access_status_for_viewing(
            conn, status_id=parse_id(request.match_info["status_id"]) or -1, viewer=viewer)
        author = await accounts_q.get_account(conn, account_id=status.account_id)
    if author is None or status.reblog_of_id is not None:
        raise NotFoundError("There is no such post.")
    return see_other(f"/@{author.acct()}/{status.id}")
