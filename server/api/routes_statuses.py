"""Statuses: /api/v1/statuses and /api/v1/statuses/:id (post, read, edit, delete, history,
source, context)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api.auth import optional_token, require_token
from server.api.entities.accounts import render_accounts
from server.api.entities.common import iso
from server.api.entities.scheduled import render_scheduled
from server.api.entities.statuses import render_statuses
from server.api.entities.status_parts import to_mastodon_media
from server.api.params import ids_param, match_id, read_params
from server.api.status_params import read_draft, read_media_changes, read_scheduled_at
from server.api.status_responses import caller_account, json_body, status_response
from server.api.statusviews import queries as views_q
from server.api.statusviews.context import context_ids
from server.errors import NotFoundError, UnauthorizedError
from server.statuses import actions, scheduled, service
from server.statuses import queries as statuses_q
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
CONTEXT_ANCESTORS = 40
CONTEXT_DESCENDANTS = 4096
IDEMPOTENCY_HEADER = "Idempotency-Key"
MANY = 20   # statuses one GET /api/v1/statuses may ask for


@routes.post("/api/v1/statuses")
async def statuses_create(request: web.Request) -> web.Response:
    token = await require_token(request, "write:statuses")
    params = await read_params(request)
    config, now = request.app[CONFIG], request.app[CLOCK].now()
    key = (request.headers.get(IDEMPOTENCY_HEADER) or "").strip()[:200] or None
    # A committed transaction leaves nothing on the connection for the pool's reset query to
    # undo (no SET, LISTEN, cursor or session lock here), so its release skips that round
    # trip and the answer goes out as soon as COMMIT returns; on an error it resets as usual.
    async with request.app[DB].acquire_plain() as conn, conn.transaction():
        # The caller and their posting defaults in one round trip (require_token has made
        # sure the token has a user, hence an account).
        poster = await statuses_q.get_poster(conn, account_id=token.account_id or 0)
        if poster is None:
            raise UnauthorizedError("The access token is invalid")
        author, defaults = poster
        draft = read_draft(params, default_visibility=defaults.visibility,
                           default_sensitive=defaults.sensitive,
                           default_language=defaults.language,
                           default_quote_policy=defaults.quote_policy)
        scheduled_at = read_scheduled_at(params)
        if key is not None:
            earlier = await actions.claim_idempotency_key(conn, account_id=author.id, key=key, now=now)
            if earlier is not None:
                status = await statuses_q.get_status(conn, status_id=earlier)
                if status is not None:
                    return await status_response(request, conn, status, viewer_id=author.id)
        if scheduled_at is not None:
            made = await scheduled.schedule_status(conn, author=author, draft=draft,
                                                   scheduled_at=scheduled_at,
                                                   application_id=token.application.id, now=now)
            [entity] = await render_scheduled(conn, config, [{**made, "account_id": author.id}])
            return web.json_response(entity)
        status = await service.create_status(conn, config=config, author=author, draft=draft,
                                             now=now, application_id=token.application.id)
        if key is not None:
            await actions.remember_idempotency_key(conn, account_id=author.id, key=key,
                                                   status_id=status.id, now=now)
    # Rendered once committed: a local post is added to its author's statuses_count at COMMIT
    # (migration 0023), and the answer shows it counted, as Mastodon's does. Reading leaves
    # nothing on the connection either.
    async with request.app[DB].acquire_plain() as conn:
        return await status_response(request, conn, status, viewer_id=author.id)


@routes.get("/api/v1/statuses")
async def statuses_get_many(request: web.Request) -> web.Response:
    """Several statuses at once (`id[]`, at most MANY), in the order asked, leaving out those
    the caller may not see or that do not exist."""
    token = await optional_token(request, "read:statuses")
    wanted = ids_param(await read_params(request), MANY)
    now = request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        viewer_id = token.account_id if token else None
        visible = await views_q.filter_visible(conn, status_ids=wanted, viewer_id=viewer_id,
                                               hide_muted=False, now=now)
        body = await render_statuses(conn, request.app[CONFIG],
                                     [i for i in wanted if i in visible],
                                     viewer_id=viewer_id, now=now)
    return json_body(body)


@routes.get(r"/api/v1/statuses/{id:\d+}")
async def statuses_get(request: web.Request) -> web.Response:
    status_id = match_id(request)
    token = await optional_token(request, "read:statuses")
    async with request.app[DB].acquire() as conn:
        viewer = await caller_account(conn, token)
        status = await service.access_status_for_viewing(conn, status_id=status_id, viewer=viewer)
        return await status_response(request, conn, status, viewer_id=viewer.id if viewer else None)


@routes.delete(r"/api/v1/statuses/{id:\d+}")
async def statuses_delete(request: web.Request) -> web.Response:
    status_id = match_id(request)
    token = await require_token(request, "write:statuses")
    async with request.app[DB].transaction() as conn:
        account = await caller_account(conn, token)
        assert account is not None
        await _own_or_404(conn, account.id, status_id)
        status = await service.delete_status(conn, account=account, status_id=status_id,
                                             now=request.app[CLOCK].now())
        # Mastodon answers with the deleted status and its source, for "delete and redraft".
        return await status_response(request, conn, status, viewer_id=account.id, with_source=True)


async def _own_or_404(conn: Any, account_id: int, status_id: int) -> None:
    """Someone else's status is not found, as Mastodon scopes the lookup to the caller."""
    status = await statuses_q.get_status(conn, status_id=status_id)
    if status is None or status.deleted_at is not None or status.account_id != account_id \
            or status.reblog_of_id is not None:
        raise NotFoundError("Record not found")


@routes.put(r"/api/v1/statuses/{id:\d+}")
async def statuses_edit(request: web.Request) -> web.Response:
    status_id = match_id(request)
    token = await require_token(request, "write:statuses")
    params = await read_params(request)
    async with request.app[DB].transaction() as conn:
        account = await caller_account(conn, token)
        assert account is not None
        await _own_or_404(conn, account.id, status_id)
        before = await statuses_q.get_status(conn, status_id=status_id)
        assert before is not None
        draft = read_draft(params, default_visibility=before.visibility,
                           default_sensitive=before.sensitive, default_language=before.language)
        status = await service.edit_status(conn, config=request.app[CONFIG], author=account,
                                           status_id=status_id, draft=draft,
                                           now=request.app[CLOCK].now(),
                                           media_changes=read_media_changes(params))
        return await status_response(request, conn, status, viewer_id=account.id)


@routes.get(r"/api/v1/statuses/{id:\d+}/source")
async def statuses_source(request: web.Request) -> web.Response:
    status_id = match_id(request)
    token = await require_token(request, "read:statuses")
    async with request.app[DB].acquire() as conn:
        account = await caller_account(conn, token)
        await _own_or_404(conn, account.id if account else 0, status_id)
        status = await statuses_q.get_status(conn, status_id=status_id)
    assert status is not None
    return web.json_response({"id": str(status.id), "text": status.text_source or "",
                              "spoiler_text": status.spoiler_text})


@routes.get(r"/api/v1/statuses/{id:\d+}/history")
async def statuses_history(request: web.Request) -> web.Response:
    """Every version, oldest first, the current one last (Mastodon's StatusEdit list)."""
    status_id = match_id(request)
    token = await optional_token(request, "read:statuses")
    config = request.app[CONFIG]
    async with request.app[DB].acquire() as conn:
        viewer = await caller_account(conn, token)
        status = await service.access_status_for_viewing(conn, status_id=status_id, viewer=viewer)
        edits = await statuses_q.list_status_edits(conn, status_id=status.id)
        account = (await render_accounts(conn, config, [status.account_id]))[status.account_id]
        current = (await render_statuses(conn, config, [status.id],
                                         viewer_id=None, now=request.app[CLOCK].now()))[0]
    versions = [{"content": e["content"], "spoiler_text": e["spoiler_text"],
                 "sensitive": e["sensitive"], "created_at": iso(e["created_at"]),
                 "account": account, "poll": _edit_poll(e["poll_options"]),
                 # Kept as MediaRow.snapshot() made them (older remote edits kept less).
                 "media_attachments": [to_mastodon_media(m, config) for m in e["media"]
                                       if isinstance(m, dict) and "type" in m],
                 "emojis": []} for e in edits]
    versions.append({"content": current["content"], "spoiler_text": current["spoiler_text"],
                     "sensitive": current["sensitive"],
                     "created_at": iso(status.edited_at or status.created_at), "account": account,
                     "poll": ({"options": [{"title": o["title"]} for o in current["poll"]["options"]]}
                              if current["poll"] else None),
                     "media_attachments": current["media_attachments"], "emojis": []})
    return web.json_response(versions)


def _edit_poll(options: Any) -> dict[str, Any] | None:
    if not options:
        return None
    return {"options": [{"title": str(o)} for o in options]}


@routes.get(r"/api/v1/statuses/{id:\d+}/context")
async def statuses_context(request: web.Request) -> web.Response:
    status_id = match_id(request)
    token = await optional_token(request, "read:statuses")
    now = request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        viewer = await caller_account(conn, token)
        viewer_id = viewer.id if viewer else None
        status = await service.access_status_for_viewing(conn, status_id=status_id, viewer=viewer)
        ancestors, descendants = await context_ids(
            conn, status_id=status.id, viewer_id=viewer_id, now=now,
            ancestors=CONTEXT_ANCESTORS, descendants=CONTEXT_DESCENDANTS)
        config = request.app[CONFIG]
        body = {
            "ancestors": await render_statuses(conn, config, ancestors,
                                               viewer_id=viewer_id, now=now),
            "descendants": await render_statuses(conn, config, descendants, viewer_id=viewer_id,
                                                 now=now),
        }
    return web.json_response(body)
