"""Job `federation.fetch_parent`: a reply arrived before the post it answers; fetch that
post from its origin and store it, so the thread reads whole. Each missing ancestor is one
more job, up to remote.MAX_PARENT_DEPTH levels, and never inside a request.
"""

from __future__ import annotations

from typing import Any

from server.accounts.queries import Account
from server.federation import vocabulary as v
from server.federation.activitypub.fetch import for_job
from server.federation.activitypub.inbox import posts
from server.jobs.context import JobContext
from server.statuses import queries as statuses_q
from server.statuses import remote
from server.statuses.queries import Status


async def fetch_parent(ctx: JobContext, payload: dict[str, Any]) -> None:
    await fetch_and_store(ctx, str(payload["uri"]), depth=int(payload.get("depth", 1)))


async def fetch_and_store(ctx: JobContext, uri: str, *, depth: int = 1) -> Status | None:
    """The post at `uri`, fetched from its origin and stored when we do not have it yet
    (a parent, a quoted post); None when it cannot be had. A server that is down makes the
    job retry later."""
    async with ctx.db.acquire() as conn:
        found = await statuses_q.get_status_by_uri(conn, uri=uri)
    if found is not None:
        return found
    async def fetch() -> tuple[v.Note, Account]:
        note = await posts.fetch_note(ctx, uri)
        return note, await posts.author_of(ctx, note)
    got = await for_job(fetch(), what="post", url=uri)
    if got is None:
        return None
    note, author = got
    await posts.resolve_mentions(ctx, note)
    async with ctx.db.transaction() as conn:
        stored = await remote.store_remote_status(conn, note=note, author=author,
                                                  config=ctx.config, now=ctx.clock.now(),
                                                  depth=depth)
        return stored or await statuses_q.get_status_by_uri(conn, uri=note.uri)
