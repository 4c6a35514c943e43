"""Outbound Update of a local actor after a profile edit, to every server with followers.

Deleting a local account would send Delete(actor) from here; there is no account deletion
service yet, so there is nothing to subscribe to.
"""

from __future__ import annotations

from typing import Any

from server.federation import queries as fed_q
from server.federation.activitypub import serialize
from server.federation.outbound import activities
from server.federation.outbound.common import follower_inboxes, local_account, send
from server.jobs.context import JobContext


async def send_actor_update(ctx: JobContext, payload: dict[str, Any]) -> None:
    now = ctx.clock.now()
    async with ctx.db.transaction() as conn:
        account = await local_account(conn, int(payload["account_id"]))
        if account is None:
            return
        row = await fed_q.get_local_actor(conn, username=account.username)
        if row is None:
            return   # not approved yet: not an actor anyone follows
        actor = serialize.to_ap_actor(row, config=ctx.config)
        update = activities.update_actor(actor, updated_at=account.updated_at or now)
        await send(conn, actor=account, activity=update,
                   inboxes=await follower_inboxes(conn, account.id), now=now)
