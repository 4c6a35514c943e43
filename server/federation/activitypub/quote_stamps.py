"""Our quote authorisation stamps (FEP-044f): /users/NAME/quote_authorizations/ID, ID being
the quoting post's id here. A server showing a quote of a member's post fetches the stamp to
check the member allowed it; a quote we never accepted, or one of a post since deleted,
answers 404 (the quoting server then treats the quote as not allowed)."""

from __future__ import annotations

from aiohttp import web

from server.errors import NotFoundError
from server.federation.activitypub.actors import load_local_actor
from server.federation.activitypub.http import activitypub_type, ap_response, int_id
from server.federation.activitypub import serialize
from server.quotes import queries as quotes_q
from server.web.state import DB

routes = web.RouteTableDef()


@routes.get(r"/users/{username:[A-Za-z0-9_]+}/quote_authorizations/{status_id:\d+}")
async def get_quote_authorization(request: web.Request) -> web.Response:
    account = await load_local_actor(request, request.match_info["username"])
    status_id = int_id(request.match_info["status_id"])
    async with request.app[DB].acquire() as conn:
        found = await quotes_q.get_authorization(conn, status_id=status_id,
                                                 quoted_account_id=account["id"])
    if found is None:
        raise NotFoundError("There is no such quote authorisation.")
    quoting_uri, quoted_uri = found
    doc = serialize.to_ap_quote_authorization(
        stamp_uri=quotes_q.authorization_uri(account["uri"], status_id),
        quoted_author_uri=account["uri"], quoting_uri=quoting_uri, quoted_uri=quoted_uri)
    return ap_response(doc, content_type=activitypub_type(request) or serialize.AP_CONTENT_TYPE)
