"""Delete: a remote post deleted by its author, or a remote actor deleted by its own server.

A deleted post becomes a tombstone through the statuses service (boosts of it go too, feeds
and streams are told). A Delete that arrives before its post is remembered (tombstones.py)
so the late Create is dropped. Only the author can delete a post. A Delete of a quote
authorisation stamp (FEP-044f) by the quoted author revokes the quote it allowed.

A deleted actor is marked suspended (its later activities are dropped at the inbox), its follows
in both directions go, and its posts and the boosts of them become tombstones, a batch per
transaction so a prolific account does not hold one long transaction.
"""

from __future__ import annotations

from server.federation import queries
from server.federation import vocabulary as v
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox import tombstones
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.quotes import answers as quote_answers
from server.statuses import queries as statuses_q
from server.statuses import service as statuses

BATCH = 500


async def handle_delete(ctx: InboxContext, activity: v.Delete) -> Outcome:
    if activity.deletes_actor:
        return await _delete_actor(ctx, activity)
    return await _delete_post(ctx, activity)


async def _delete_post(ctx: InboxContext, activity: v.Delete) -> Outcome:
    actor = await remote_actors.get_or_fetch_actor(ctx.job, activity.actor_uri)
    async with ctx.db.transaction() as conn:
        status = await statuses_q.get_status_by_uri(conn, uri=activity.object_uri)
        if status is None and await quote_answers.revoked(
                conn, actor=actor, stamp_uri=activity.object_uri, now=ctx.now()):
            return PROCESSED    # the quoted author withdrew a quote authorisation
        if status is None:
            await tombstones.remember(conn, uri=activity.object_uri,
                                      actor_uri=activity.actor_uri, now=ctx.now())
            return ignored("Delete of a post we do not have: remembered in case it arrives late")
        if status.account_id != actor.id:
            return ignored("only the author can delete a post")
        if status.deleted_at is not None:
            return ignored("the post is already deleted")
        await statuses.delete_status(conn, account=actor, status_id=status.id, now=ctx.now(),
                                     by_moderator=True)
    return PROCESSED


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
