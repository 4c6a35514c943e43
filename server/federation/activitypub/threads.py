"""Job `federation.fetch_parent`: a reply arrived before the post it answers; fetch that
post from its origin and store it, so the thread reads whole. Each missing ancestor is one
more job, up to remote.MAX_PARENT_DEPTH levels, and never inside a request.
"""

from __future__ import annotations

import logging
from typing import Any

from server.errors import CommonholdError
from server.federation.activitypub.fetch import FetchError
from server.federation.activitypub.inbox import posts
from server.jobs import RetryLaterError
from server.jobs.context import JobContext
from server.statuses import queries as statuses_q
from server.statuses import remote

log = logging.getLogger(__name__)


async def fetch_parent(ctx: JobContext, payload: dict[str, Any]) -> None:
    uri = str(payload["uri"])
    depth = int(payload.get("depth", 1))
    async with ctx.db.acquire() as conn:
        if await statuses_q.get_status_by_uri(conn, uri=uri) is not None:
            return
    try:
        note = await posts.fetch_note(ctx, uri)
        author = await posts.author_of(ctx, note)
    except FetchError as exc:
        if exc.retryable:
            raise RetryLaterError(str(exc)) from None
        log.info("parent %s not fetched: %s", uri, exc)
        return
    except CommonholdError as exc:
        log.info("parent %s refused: %s", uri, exc.message)
        return
    await posts.resolve_mentions(ctx, note)
    async with ctx.db.transaction() as conn:
        await remote.store_remote_status(conn, note=note, author=author, config=ctx.config,
                                         now=ctx.clock.now(), depth=depth)
