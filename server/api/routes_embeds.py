"""A status seen from outside the client API's usual flow: GET /api/oembed (a local public
post as an embed for other sites) and POST /api/v1/statuses/:id/translate (there is no
translation service here)."""

from __future__ import annotations

import re
from html import escape
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from server.accounts.queries import Account
from server.api.auth import require_token
from server.api.params import match_id, read_params
from server.api.status_responses import caller_account
from server.config import Config
from server.errors import ForbiddenError, NotFoundError
from server.follows import service as follows
from server.statuses import queries as statuses_q
from server.statuses import service as statuses
from server.statuses import urls
from server.statuses.queries import Status
from server.web.state import CONFIG, DB

routes = web.RouteTableDef()

# The two addresses a local post has: its web page and its ActivityPub id.
_STATUS_PATHS = (re.compile(r"^/@(?P<username>[A-Za-z0-9_]+)/(?P<id>\d+)/?$"),
                 re.compile(r"^/users/(?P<username>[A-Za-z0-9_]+)/statuses/(?P<id>\d+)/?$"))
EMBED_WIDTH = 400
EMBED_CACHE_SECONDS = 86_400
NOT_ALLOWED = "This action is not allowed"


def _local_status_ref(config: Config, url: str) -> tuple[str, int] | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or \
            parts.netloc.lower() != urlsplit(config.url("/")).netloc.lower():
        return None
    for pattern in _STATUS_PATHS:
        found = pattern.match(parts.path)
        if found:
            return found["username"], int(found["id"])
    return None


def _embed_html(config: Config, author: Account, status: Status) -> str:
    """A self-contained quote of the post: no script and no frame, so it shows the same on
    any page and carries nothing from this server but the link back."""
    url = urls.status_url(config, author.username, status.id)
    body = (f"<p>{escape(status.spoiler_text)}</p>" if status.spoiler_text
            else status.content)   # content is stored sanitized
    name = escape(author.display_name or author.username)
    return (f'<blockquote class="commonhold-embed" cite="{escape(url)}">{body}'
            f"<p>— {name} (@{escape(author.username)}@{escape(config.domain)}) "
            f'<a href="{escape(url)}">{status.created_at.date().isoformat()}</a></p>'
            "</blockquote>")


@routes.get("/api/oembed")
async def oembed(request: web.Request) -> web.Response:
    """Only local public or unlisted posts embed, as in Mastodon; anything else is a 404."""
    config = request.app[CONFIG]
    params = await read_params(request)
    ref = _local_status_ref(config, params.str("url") or "")
    if ref is None:
        raise NotFoundError("Record not found")
    username, status_id = ref
    async with request.app[DB].acquire() as conn:
        status = await statuses_q.get_status(conn, status_id=status_id)
        if status is None or not status.local or status.deleted_at is not None \
                or status.reblog_of_id is not None \
                or status.visibility not in ("public", "unlisted"):
            raise NotFoundError("Record not found")
        author = await follows.get_account_or_404(conn, status.account_id)
    if author.username.lower() != username.lower():
        raise NotFoundError("Record not found")
    width = params.int("maxwidth", minimum=1) or EMBED_WIDTH
    body: dict[str, Any] = {
        "type": "rich", "version": "1.0", "title": f"Post by @{author.username}",
        "author_name": author.display_name or author.username,
        "author_url": author.url or config.url(f"/@{author.username}"),
        "provider_name": config.domain, "provider_url": config.url("/"),
        "cache_age": EMBED_CACHE_SECONDS, "html": _embed_html(config, author, status),
        "width": width, "height": None,
    }
    return web.json_response(body)


@routes.post(r"/api/v1/statuses/{id}/translate")
async def statuses_translate(request: web.Request) -> web.Response:
    """No translation service is configured here. Mastodon then refuses every translation
    of a post the caller may see (403) and hides the rest (404)."""
    token = await require_token(request, "read:statuses", user=False)
    status_id = match_id(request)
    async with request.app[DB].acquire() as conn:
        viewer = await caller_account(conn, token)
        await statuses.access_status_for_viewing(conn, status_id=status_id, viewer=viewer)
    raise ForbiddenError(NOT_ALLOWED)
