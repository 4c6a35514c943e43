"""Follow: someone elsewhere follows one of our members. Open accounts are followed at once,
locked ones get a request; the Accept or Reject that goes back follows from the
`follow.created` / `follow.request_rejected` events."""

from __future__ import annotations

from server.accounts import queries as accounts_q
from server.errors import ForbiddenError, NotFoundError, ValidationError
from server.federation import uris
from server.federation import vocabulary as v
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox import tombstones
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.follows import service as follows


async def handle_follow(ctx: InboxContext, activity: v.Follow) -> Outcome:
    if not uris.is_local(activity.object_uri, ctx.config):
        return ignored("Follow of an account that is not ours")
    follower = await remote_actors.get_or_fetch_actor(ctx.job, activity.actor_uri)
    async with ctx.db.transaction() as conn:
        if await tombstones.arrived_first(conn, uri=activity.id, actor_uri=activity.actor_uri,
                                          now=ctx.now()):
            return ignored("the Follow was undone before it arrived")
        target = await accounts_q.get_account_by_uri(conn, uri=activity.object_uri)
        if target is None or not target.local:
            return ignored("Follow of an account we do not have")
        try:
            await follows.follow(conn, config=None, follower=follower, target=target,
                                 now=ctx.now(), uri=activity.id)
        except (ForbiddenError, NotFoundError, ValidationError) as exc:
            return ignored(f"Follow refused: {exc.message}")
    return PROCESSED
