"""Profile pages' reading part: the posts the reader may see and the follow button. Local
profiles are served by federation's actor route (which adds this context); remote accounts
we know have their page here, at /@name@domain."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.accounts import queries as accounts_q
from server.api import queries as api_q
from server.api.entities.accounts import render_account
from server.errors import NotFoundError
from server.statuses.text import plain_text
from server.web.forms import see_other
from server.web.html import render
from server.web.social import reading
from server.web.social.viewer import max_id, viewer_account
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


async def profile_context(request: web.Request, account_id: int) -> dict[str, Any]:
    """What profile.html shows beside the account: `statuses` (a reading.Page of what the
    reader may see), `relationship` (None signed out or on one's own profile) and `here`."""
    viewer = await viewer_account(request)
    viewer_id = viewer.id if viewer else None
    now = request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        page = await reading.account_statuses(conn, config=request.app[CONFIG],
                                              account_id=account_id, viewer_id=viewer_id,
                                              max_id=max_id(request), now=now)
        relationship = None
        if viewer_id is not None and viewer_id != account_id:
            rows = await api_q.list_relationships(conn, viewer_id=viewer_id,
                                                  account_ids=[account_id], now=now,
                                                  with_suspended=False)
            relationship = rows[0] if rows else None
    return {"statuses": page, "relationship": relationship, "here": request.path_qs,
            "account_id": account_id}


@routes.get(r"/@{username:[A-Za-z0-9_]+}@{domain:[^/@]+}")
async def get_remote_profile(request: web.Request) -> web.StreamResponse:
    username, domain = request.match_info["username"], request.match_info["domain"]
    config = request.app[CONFIG]
    if domain.lower() == config.domain.lower():   # one of ours, written in full
        return see_other(f"/@{username}")
    async with request.app[DB].acquire() as conn:
        found = await accounts_q.find_account_by_acct(conn, username=username, domain=domain)
        if found is None or found.domain is None or found.suspended_at is not None:
            raise NotFoundError(f"No account @{username}@{domain} is known here.")
        entity = await render_account(conn, config, found.id)
    if entity is None:
        raise NotFoundError(f"No account @{username}@{domain} is known here.")
    # profile.html reads a local actor's columns: the entity gives the same names, fields
    # come as HTML from their server and are shown as text.
    account = {**entity, "suspended_at": None,
               "fields": [{"name": f["name"], "value": plain_text(f["value"])}
                          for f in entity["fields"]]}
    context = await profile_context(request, found.id)
    return await render(request, "federation/profile.html", account=account, posts=[],
                        acct=entity["acct"], bio=entity["note"], remote_url=entity["url"],
                        **context)
