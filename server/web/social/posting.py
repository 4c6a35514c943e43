"""The compose form's POST /statuses: a new post or a reply, through create_status as the
API posts. A refused post re-renders the form with what was typed and the reason; the
transaction is rolled back, so nothing of it is stored."""

from __future__ import annotations

from aiohttp import web

from server.errors import CommonholdError
from server.ids import parse_id
from server.statuses import service
from server.statuses import queries as statuses_q
from server.statuses.compose import MAX_CHARS, Draft
from server.statuses.queries import PostingDefaults
from server.web.forms import read_form, see_other
from server.web.html import render
from server.web.social.viewer import back_to, require_viewer
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
KEPT = ("status", "spoiler_text", "visibility", "language", "in_reply_to_id", "next")
_MAX_FIELD = MAX_CHARS * 20   # far beyond any valid post: refused before formatting it


def draft_from(form: dict[str, str], defaults: PostingDefaults) -> Draft:
    """The form's fields over the author's posting preferences, as the API reads them."""
    reply = form.get("in_reply_to_id", "").strip()
    return Draft(text=form.get("status", "")[:_MAX_FIELD],
                 spoiler_text=form.get("spoiler_text", "")[:_MAX_FIELD],
                 visibility=form.get("visibility", "").strip() or defaults.visibility,
                 sensitive=defaults.sensitive,
                 language=form.get("language", "").strip() or defaults.language,
                 # A reply to an id that cannot exist is refused by create_status like any
                 # other post that is not there (-1 is never an id).
                 in_reply_to_id=(parse_id(reply) or -1) if reply else None)


@routes.post("/statuses")
async def post_status(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    author = await require_viewer(request)
    try:
        async with request.app[DB].transaction() as conn:
            poster = await statuses_q.get_poster(conn, account_id=author.id)
            assert poster is not None   # a signed-in member has an account and a user
            status = await service.create_status(conn, config=request.app[CONFIG],
                                                 author=author, draft=draft_from(form, poster[1]),
                                                 now=request.app[CLOCK].now())
    except CommonholdError as exc:
        if exc.status not in (403, 404, 422):
            raise
        draft = {k: form.get(k, "") for k in KEPT}
        return await render(request, "social/compose.html", status=exc.status, draft=draft,
                            error=exc.message)
    if status.in_reply_to_id is not None:
        return see_other(back_to(form, f"/@{author.username}/{status.id}"))
    target = back_to(form, "/home")
    return see_other("/home?notice=posted" if target == "/home" else target)
