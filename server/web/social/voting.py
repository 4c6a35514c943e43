"""Voting in a poll from its status (radio buttons, or checkboxes when several choices are
allowed), through the polls service as the API votes: a remote poll's vote goes to its
server, a proposal's poll is the proposal's ballot."""

from __future__ import annotations

from aiohttp import web

from server.errors import NotFoundError
from server.ids import parse_id
from server.polls import service as polls
from server.web.forms import posted, read_form, see_other
from server.web.social.viewer import back_to, require_viewer
from server.web.state import CLOCK, DB

routes = web.RouteTableDef()


@routes.post(r"/polls/{id:\d+}/votes")
async def post_vote(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    voter = await require_viewer(request)
    poll_id = parse_id(request.match_info["id"])
    if poll_id is None:
        raise NotFoundError("There is no such poll.")
    # Checkboxes send one `choices` each; read_form keeps one value per name.
    choices = [c for c in (await posted(request)).getall("choices", []) if isinstance(c, str)]
    async with request.app[DB].transaction() as conn:
        poll = await polls.vote(conn, poll_id=poll_id, voter=voter, choices=choices,
                                now=request.app[CLOCK].now())
    anchor = f"#status-{poll.status_id}"
    return see_other(back_to(form, f"/statuses/{poll.status_id}") + anchor)
