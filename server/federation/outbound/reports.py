"""A member's report about an account on another server, forwarded there as a `Flag` when the
member asked for it, as Mastodon forwards one: from the instance actor (not the member, who
stays anonymous to the other server), naming the account and the reported posts, with the
comment, to the account's inbox. The other server's moderators then see it."""

from __future__ import annotations

import uuid
from typing import Any

from server.federation import delivery
from server.federation.activitypub import instance_actor
from server.federation.outbound.common import personal_inbox, remote_account
from server.jobs.context import JobContext
from server.reports import queries as reports_q


async def send_flag(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Job of `report.created`."""
    now = ctx.clock.now()
    # The key is made on first use; the delivery reads it from the database.
    await instance_actor.get_instance_actor(ctx.db, ctx.clock)
    async with ctx.db.transaction() as conn:
        report = await reports_q.take_report_to_forward(conn, report_id=int(payload["report_id"]))
        if report is None:
            return      # not asked for, about a local account, or forwarded already
        target = await remote_account(conn, report["target_account_ids"][0])
        inboxes = personal_inbox(target) if target is not None else []
        if not inboxes:
            return
        assert target is not None
        flag = {"@context": "https://www.w3.org/ns/activitystreams",
                "id": ctx.config.url(f"/{uuid.uuid4()}"), "type": "Flag",
                "actor": instance_actor.uri(ctx.config), "content": report["comment"],
                "object": [target.uri, *report["status_uris"]]}
        await delivery.enqueue_deliveries(conn, actor_id=delivery.INSTANCE_ACTOR_ID,
                                          activity=flag, inboxes=inboxes, now=now)
