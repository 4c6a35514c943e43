"""Job `federation.process_inbox_item`: parse a stored activity and hand it to its handler.

The item ends `processed`, `ignored` (a type we do not handle, with the reason) or `failed`
(an activity that cannot be accepted, with the reason). Neither of the last two is an error
of the job: the worker moves on. A remote server that is down makes the job retry with
backoff while the item stays `received` with the last error noted; a bug in a handler is
left to the worker, which logs it and retries.
"""

from __future__ import annotations

import logging
from typing import Any

from server.errors import CommonholdError
from server.federation.activitypub import inbox
from server.federation.activitypub import queries as ap_q
from server.federation.activitypub.fetch import FetchError
from server.federation.activitypub.inbox.context import InboxContext, Outcome
from server.federation.activitypub.parse import UnsupportedActivityError, parse_activity
from server.jobs import RetryLaterError
from server.jobs.context import JobContext

log = logging.getLogger(__name__)


async def process_inbox_item(ctx: JobContext, payload: dict[str, Any]) -> None:
    item_id = int(payload["item_id"])
    async with ctx.db.acquire_plain() as conn:  # one statement: no reset query on release
        item = await ap_q.get_inbox_item(conn, item_id=item_id)
    if item is None or item.state != "received":
        return  # already done by an earlier run of this job
    try:
        activity = parse_activity(item.raw, ctx.config)
        outcome = await inbox.dispatch(InboxContext(ctx, item), activity)
    except UnsupportedActivityError as exc:
        outcome = Outcome("ignored", str(exc))
    except CommonholdError as exc:
        outcome = Outcome("failed", exc.message)
    except FetchError as exc:
        if exc.retryable:
            async with ctx.db.transaction() as conn:
                await ap_q.note_inbox_item_error(conn, item_id=item_id, error=str(exc))
            raise RetryLaterError(str(exc)) from None
        outcome = Outcome("failed", str(exc))
    if outcome.state != "processed":
        log.info("inbox item %s (%s %s) %s: %s", item.id, item.type, item.activity_id,
                 outcome.state, outcome.reason)
    if outcome.recorded:
        return
    async with ctx.db.acquire_plain() as conn:  # one statement: no BEGIN/COMMIT, no reset
        await ap_q.finish_inbox_item(conn, item_id=item_id, state=outcome.state,
                                     error=outcome.reason, now=ctx.clock.now())
