"""The batched form of `federation.process_inbox_item` (see server/jobs/batch.py): the
claimed items read in one statement, the plain Creates among them stored in one transaction
(inbox/create_batch.py), everything else handed back to process_inbox_item one by one.

Order: within one batch, items handed back run after the Creates were stored. Inbox jobs
carry no ordering key and run side by side anyway; what order must decide (an Undo or Delete
that overtakes its Create) is settled by tombstones, which the batch checks as the one-by-one
Create does.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from server.errors import CommonholdError
from server.federation.activitypub import queries as ap_q
from server.federation.activitypub.inbox import create_batch
from server.federation.activitypub.parse import UnsupportedActivityError, parse_activity
from server.jobs.context import JobContext

log = logging.getLogger(__name__)

# Inbox jobs that share one worker slot when batched (server/jobs/batch.py). Measured with
# bench/scenarios/w2_processing.py at 32 slots and claims of 20: one job per slot left about
# two batches in flight (~300-450 Creates/s); five per slot, about eight (~800-1,100/s).
JOBS_PER_SLOT = 5


async def process_inbox_items(ctx: JobContext, payloads: Sequence[dict[str, Any]]) -> list[int]:
    """Returns the positions (in `payloads`) left for process_inbox_item."""
    ids = [int(p["item_id"]) for p in payloads]
    async with ctx.db.acquire_plain() as conn:
        items = {item.id: item for item in await ap_q.get_inbox_items(conn, item_ids=ids)}
    left: list[int] = []
    creates: list[tuple[int, create_batch.PlainCreate]] = []
    for n, item_id in enumerate(ids):
        item = items.get(item_id)
        if item is None or item.state != "received":
            continue  # already done by an earlier run of this job
        if item.type != "Create":
            left.append(n)
            continue
        try:
            activity = parse_activity(item.raw, ctx.config)
        except (UnsupportedActivityError, CommonholdError):
            left.append(n)  # process_inbox_item records why
            continue
        create = create_batch.batchable(item, activity)
        if create is None:
            left.append(n)
        else:
            creates.append((n, create))
    if not creates:
        return left
    try:
        outcomes = await create_batch.store_creates(ctx, [c for _, c in creates])
    except CommonholdError as exc:
        # Rolled back as a whole; one by one, the item at fault ends failed alone.
        log.info("batch of %d Creates rolled back (%s); one by one instead", len(creates), exc)
        return sorted(left + [n for n, _ in creates])
    for n, create in creates:
        outcome = outcomes.get(create.item.id)
        if outcome is None:
            left.append(n)
        elif outcome.state != "processed":
            log.info("inbox item %s (%s %s) %s: %s", create.item.id, create.item.type,
                     create.item.activity_id, outcome.state, outcome.reason)
    return sorted(left)
