"""The compose form's POST /statuses: a new post or a reply, with images or a poll, through
the same services as the API (see composing). A refused post re-renders the form with what
was typed, the reason and the field it concerns; nothing of it is stored."""

from __future__ import annotations

from aiohttp import web

from server.errors import CommonholdError
from server.web.forms import see_other
from server.web.html import render
from server.web.social import composing
from server.web.social.uploads import read_multipart
from server.web.social.viewer import back_to, require_viewer
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


def refused_field(exc: CommonholdError) -> str:
    """The form field an error is about: the service names API parameters."""
    field = str(exc.detail.get("field", ""))
    if field.startswith("poll[options]"):
        return "poll_option_0"
    if field.startswith("poll"):
        return "poll_expires_in" if "expires" in field else "poll_option_0"
    return {"file": "media_0", "media_ids": "media_0", "text": "status"}.get(field, field)


@routes.post("/statuses")
async def post_status(request: web.Request) -> web.StreamResponse:
    form, files = await read_multipart(request)
    author = await require_viewer(request)
    try:
        status = await composing.publish(request.app[DB], config=request.app[CONFIG],
                                         author=author, form=form, files=files,
                                         now=request.app[CLOCK].now())
    except CommonholdError as exc:
        if exc.status not in (403, 404, 413, 422):
            raise
        draft = {k: form.get(k, "") for k in composing.KEPT}
        return await render(request, "social/compose.html", status=exc.status, draft=draft,
                            error=exc.message, error_field=refused_field(exc),
                            files_dropped=bool(files))
    if status.in_reply_to_id is not None:
        return see_other(back_to(form, f"/@{author.username}/{status.id}"))
    target = back_to(form, "/home")
    return see_other("/home?notice=posted" if target == "/home" else target)
