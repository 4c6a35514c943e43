"""Update: a remote post was edited (the previous version is kept as history), or a remote
actor's profile changed. One handler, dispatching on what was updated."""

from __future__ import annotations

from server.federation import vocabulary as v
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox import posts
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.federation.activitypub.parse import ACTOR_TYPES
from server.statuses import queries as statuses_q
from server.statuses import remote


async def handle_update(ctx: InboxContext, activity: v.Activity) -> Outcome:
    if isinstance(activity, v.ActorUpdate):
        return await _update_actor(ctx, activity)
    if isinstance(activity, v.NoteUpdate):
        return await _update_post(ctx, activity)
    return ignored(f"Update of {type(activity).__name__} is not supported")


async def _update_post(ctx: InboxContext, activity: v.NoteUpdate) -> Outcome:
    note = await posts.verified_note(ctx.job, activity.note, object_uri=activity.note.uri,
                                     actor_uri=activity.actor_uri)
    author = await posts.author_of(ctx.job, note)
    await posts.resolve_mentions(ctx.job, note)
    async with ctx.db.transaction() as conn:
        status = await statuses_q.get_status_by_uri(conn, uri=note.uri)
        if status is None or status.deleted_at is not None:
            return ignored("Update of a post we do not have")
        if status.account_id != author.id:
            return ignored("only the author can edit a post")
        if not await remote.update_remote_status(conn, status=status, note=note, author=author,
                                                 now=ctx.now()):
            return ignored("the post is already at this version")
    return PROCESSED


async def _update_actor(ctx: InboxContext, activity: v.ActorUpdate) -> Outcome:
    doc = activity.document
    if doc.get("type") in ACTOR_TYPES and doc.get("id") == activity.actor_uri:
        # The actor signed its own new profile: take it as sent, checked like a fetched one
        # (as coming from the actor's own host), instead of fetching it again.
        row = remote_actors.parse_actor(doc, fetched_from=activity.actor_uri,
                                        config=ctx.config)
        await remote_actors.store_actor(ctx.job, row,
                                        counts=remote_actors.embedded_counts(doc))
    else:
        await remote_actors.fetch_actor(ctx.job, activity.actor_uri)
    return PROCESSED
