"""Block: a remote account blocks one of our members (follows both ways end)."""

from __future__ import annotations

from server.accounts import queries as accounts_q
from server.federation import uris
from server.federation import vocabulary as v
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox import tombstones
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.follows import service as follows


async def handle_block(ctx: InboxContext, activity: v.Block) -> Outcome:
    if not uris.is_local(activity.object_uri, ctx.config):
        return ignored("Block of an account that is not ours")
    account = await remote_actors.get_or_fetch_actor(ctx.job, activity.actor_uri)
    async with ctx.db.transaction() as conn:
        if await tombstones.arrived_first(conn, uri=activity.id, actor_uri=activity.actor_uri,
                                          now=ctx.now()):
            return ignored("the Block was undone before it arrived")
        target = await accounts_q.get_account_by_uri(conn, uri=activity.object_uri)
        if target is None or not target.local:
            return ignored("Block of an account we do not have")
        await follows.block(conn, config=None, account=account, target=target, now=ctx.now(),
                            uri=activity.id)
    return PROCESSED
