"""Like: a remote account favourites one of our members' posts (only ours are counted, as
Mastodon does; likes of other servers' posts are theirs to keep)."""

from __future__ import annotations

from server.errors import NotFoundError
from server.federation import uris
from server.federation import vocabulary as v
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox import tombstones
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.statuses import queries as statuses_q
from server.statuses import service as statuses


async def handle_like(ctx: InboxContext, activity: v.Like) -> Outcome:
    if not uris.is_local(activity.object_uri, ctx.config):
        return ignored("Like of a post that is not ours")
    account = await remote_actors.get_or_fetch_actor(ctx.job, activity.actor_uri)
    async with ctx.db.transaction() as conn:
        if await tombstones.arrived_first(conn, uri=activity.id, actor_uri=activity.actor_uri,
                                          now=ctx.now()):
            return ignored("the Like was undone before it arrived")
        status = await statuses_q.get_status_by_uri(conn, uri=activity.object_uri)
        if status is None or not status.local or status.reblog_of_id is not None:
            return ignored("Like of a post we do not have")
        try:
            await statuses.favourite(conn, account=account, status_id=status.id, now=ctx.now(),
                                     uri=activity.id)
        except NotFoundError:
            return ignored("Like of a post the actor may not see")
    return PROCESSED
