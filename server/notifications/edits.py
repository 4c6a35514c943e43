"""Telling the local accounts that boosted a post that its author edited it (`update`
notifications), as Mastodon does: what they passed on to their followers changed; and the
members whose posts quote it (`quoted_update`, about their own quoting post), as Mastodon 4.5
does. A job, so an edit of a much-boosted post does not wait for them; run for every real
edit, local or received (not for a poll's counts refreshed)."""

from __future__ import annotations

from typing import Any

from server.accounts import queries as accounts_q
from server.jobs.context import JobContext
from server.notifications import queries
from server.notifications.service import notify
from server.statuses import queries as statuses_q

JOB_KIND = "notifications.status_edited"


async def status_edited(ctx: JobContext, payload: dict[str, Any]) -> None:
    status_id, now = int(payload["status_id"]), ctx.clock.now()
    async with ctx.db.transaction() as conn:
        status = await statuses_q.get_status(conn, status_id=status_id)
        if status is None or status.deleted_at is not None:
            return
        for account_id in await queries.list_local_boosters(conn, status_id=status_id):
            booster = await accounts_q.get_account(conn, account_id=account_id)
            if booster is not None:
                await notify(conn, recipient=booster, sender_id=status.account_id,
                             type_="update", status_id=status_id, now=now)
        for quoting_id, account_id in await queries.list_local_quoters(conn, status_id=status_id):
            quoter = await accounts_q.get_account(conn, account_id=account_id)
            if quoter is not None:
                await notify(conn, recipient=quoter, sender_id=status.account_id,
                             type_="quoted_update", status_id=quoting_id, now=now)
