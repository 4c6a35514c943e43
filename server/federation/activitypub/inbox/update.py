"""Update: a remote actor's profile changed (an Update of a post needs the statuses service
and comes with it)."""

from __future__ import annotations

from server.federation import vocabulary as v
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox.context import (
    NOT_HANDLED_YET,
    PROCESSED,
    InboxContext,
    Outcome,
    ignored,
)
from server.federation.activitypub.parse import ACTOR_TYPES


async def handle_update(ctx: InboxContext, activity: v.Activity) -> Outcome:
    if isinstance(activity, v.ActorUpdate):
        return await _update_actor(ctx, activity)
    return ignored(f"{NOT_HANDLED_YET}: Update of a post")


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
