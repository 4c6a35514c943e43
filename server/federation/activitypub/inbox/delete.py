"""Delete: a remote actor deleted by its own server (a Delete of a post needs the statuses
service's timeline clean-up and comes with it).

The actor is marked suspended (its later activities are dropped at the inbox), its follows
in both directions go, and its posts and the boosts of them become tombstones, a batch per
transaction so a prolific account does not hold one long transaction.
"""

from __future__ import annotations

from server.federation import queries
from server.federation import vocabulary as v
from server.federation.activitypub.inbox.context import (
    NOT_HANDLED_YET,
    PROCESSED,
    InboxContext,
    Outcome,
    ignored,
)
from server.statuses import queries as statuses_q

BATCH = 500


async def handle_delete(ctx: InboxContext, activity: v.Delete) -> Outcome:
    if activity.deletes_actor:
        return await _delete_actor(ctx, activity)
    return ignored(f"{NOT_HANDLED_YET}: Delete of a post")


async def _delete_actor(ctx: InboxContext, activity: v.Delete) -> Outcome:
    now = ctx.now()
    async with ctx.db.transaction() as conn:
        actor = await queries.get_actor_ref(conn, uri=activity.actor_uri)
        if actor is None or actor.domain is None:
            return ignored("Delete of an actor we do not know")
        await queries.suspend_remote_account(conn, account_id=actor.id, now=now)
        await queries.delete_follows_of_account(conn, account_id=actor.id)
    while True:
        async with ctx.db.transaction() as conn:
            ids = await queries.list_live_status_ids_by_account(conn, account_id=actor.id,
                                                                limit=BATCH)
            for status_id in ids:
                await statuses_q.mark_status_deleted(conn, status_id=status_id, now=now)
                await statuses_q.mark_reblogs_deleted(conn, status_id=status_id, now=now)
        if len(ids) < BATCH:
            return PROCESSED
