"""Move: a remote account moved to a new one. Believed only when the new account, fetched
afresh from its own server, names the old one in `alsoKnownAs`; then the old account points
to the new one and our members who followed the old one follow the new one instead (the
Follow toward it goes out through the follow events)."""

from __future__ import annotations

from server.accounts import queries as accounts_q
from server.errors import CommonholdError
from server.federation import vocabulary as v
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox import queries
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.follows import queries as follows_q
from server.follows import service as follows


async def handle_move(ctx: InboxContext, activity: v.Move) -> Outcome:
    origin = await remote_actors.get_or_fetch_actor(ctx.job, activity.actor_uri)
    target = await remote_actors.get_or_fetch_actor(ctx.job, activity.target_uri, refresh=True)
    if origin.uri not in target.also_known_as:
        return ignored("the target does not name the moving account in alsoKnownAs")
    if target.id == origin.id or target.moved_to_account_id is not None:
        return ignored("the target is the same account or has moved itself")
    async with ctx.db.transaction() as conn:
        if origin.moved_to_account_id == target.id:
            return ignored("the move is already done")
        await queries.set_moved_to(conn, account_id=origin.id, moved_to_account_id=target.id,
                                   now=ctx.now())
        for follower_id in await follows_q.list_local_follower_ids(conn, target_id=origin.id):
            follower = await accounts_q.get_account(conn, account_id=follower_id)
            if follower is None:
                continue
            await follows.unfollow(conn, follower=follower, target=origin, now=ctx.now())
            try:
                await follows.follow(conn, config=ctx.config, follower=follower, target=target,
                                     now=ctx.now())
            except CommonholdError:
                continue  # blocked either way: the old follow simply ends
    return PROCESSED
