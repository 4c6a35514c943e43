"""Flag: another server reports some of our accounts (and their posts) to us. Stored as a
report for the moderators; nothing is acted on here.

Mastodon sends reports from its instance actor, naming the reported account and posts in
`object` and the reporter's comment in `content`.
"""

from __future__ import annotations

from server.federation import queries, uris
from server.federation import vocabulary as v
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.ids import new_id
from server.statuses import queries as statuses_q
from server.statuses.sanitize import sanitize_plain


async def handle_flag(ctx: InboxContext, activity: v.Flag) -> Outcome:
    reporter = await remote_actors.get_or_fetch_actor(ctx.job, activity.actor_uri)
    targets: list[int] = []
    status_uris: list[str] = []
    async with ctx.db.acquire() as conn:
        for uri in activity.object_uris:
            if not uris.is_local(uri, ctx.config):
                continue
            account = await queries.get_actor_ref(conn, uri=uri)
            if account is not None and account.domain is None:
                targets.append(account.id)
                continue
            status = await statuses_q.get_status_by_uri(conn, uri=uri)
            if status is not None and status.local:
                status_uris.append(uri)
                targets.append(status.account_id)
    if not targets:
        return ignored("the report names none of our accounts")
    async with ctx.db.transaction() as conn:
        await queries.insert_report(
            conn, report_id=new_id(), uri=activity.id, reporter_account_id=reporter.id,
            target_account_ids=list(dict.fromkeys(targets)), status_uris=status_uris,
            comment=sanitize_plain(activity.content), origin_domain=reporter.domain,
            received_at=ctx.item.received_at)
    return PROCESSED
