"""Announce: a remote account boosts a post, ours or one fetched from its origin (a boost
vouches for nothing about the post itself, so an unknown post is always fetched)."""

from __future__ import annotations

from server.federation import uris
from server.federation import vocabulary as v
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox import posts, tombstones
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.statuses import queries as statuses_q
from server.statuses import remote


async def handle_announce(ctx: InboxContext, activity: v.Announce) -> Outcome:
    account = await remote_actors.get_or_fetch_actor(ctx.job, activity.actor_uri)
    async with ctx.db.acquire() as conn:
        if await tombstones.arrived_first(conn, uri=activity.id, actor_uri=activity.actor_uri,
                                          now=ctx.now()):
            return ignored("the Announce was undone before it arrived")
        original = await statuses_q.get_status_by_uri(conn, uri=activity.object_uri)
    if original is None:
        if uris.is_local(activity.object_uri, ctx.config):
            return ignored("Announce of a post we do not have")
        note = await posts.fetch_note(ctx.job, activity.object_uri)
        author = await posts.author_of(ctx.job, note)
        await posts.resolve_mentions(ctx.job, note)
        async with ctx.db.transaction() as conn:
            await remote.store_remote_status(conn, note=note, author=author, config=ctx.config,
                                             now=ctx.now())
            original = await statuses_q.get_status_by_uri(conn, uri=note.uri)
        assert original is not None
    async with ctx.db.transaction() as conn:
        boost = await remote.store_remote_reblog(
            conn, uri=activity.id, account=account, original=original, to=activity.to,
            cc=activity.cc, published=activity.published, now=ctx.now())
    return PROCESSED if boost is not None else ignored("the boost is already stored or "
                                                        "the post may not be boosted")
