"""Scheduled statuses: kept as the draft's parameters and published by a job at their time
(Mastodon's ScheduledStatus). The draft is checked when scheduled, and again when published."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from server import jobs
from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.db import Conn
from server.errors import CommonholdError, ValidationError
from server.ids import new_id
from server.jobs.context import JobContext
from server.statuses import compose, queries, service
from server.statuses.compose import Draft, PollDraft

# Mastodon refuses schedules closer than five minutes ahead.
MIN_AHEAD = timedelta(minutes=5)
JOB_KIND = "statuses.publish_scheduled"


def draft_to_params(draft: Draft) -> dict[str, Any]:
    params = asdict(draft)
    if draft.poll is not None:
        params["poll"]["expires_in"] = int(draft.poll.expires_in.total_seconds())
    return params


def params_to_draft(params: dict[str, Any]) -> Draft:
    poll = params.get("poll")
    return Draft(text=params["text"], visibility=params["visibility"],
                 spoiler_text=params["spoiler_text"], sensitive=params["sensitive"],
                 language=params["language"], in_reply_to_id=params["in_reply_to_id"],
                 media_ids=list(params["media_ids"]),
                 poll=PollDraft(options=poll["options"],
                                expires_in=timedelta(seconds=poll["expires_in"]),
                                multiple=poll["multiple"], hide_totals=poll["hide_totals"])
                 if poll else None)


async def schedule_status(conn: Conn, *, author: Account, draft: Draft, scheduled_at: datetime,
                          application_id: int | None, now: datetime) -> dict[str, Any]:
    if scheduled_at < now + MIN_AHEAD:
        raise ValidationError("Validation failed: Scheduled at The scheduled date must be in the future",
                              field="scheduled_at")
    draft = compose.check_draft(draft)
    scheduled_id = new_id()
    params = draft_to_params(draft)
    await queries.insert_scheduled_status(conn, scheduled_id=scheduled_id, account_id=author.id,
                                          scheduled_at=scheduled_at, params=params,
                                          application_id=application_id, now=now)
    await jobs.enqueue(conn, JOB_KIND, {"scheduled_id": scheduled_id}, now=now, run_at=scheduled_at)
    return {"id": scheduled_id, "scheduled_at": scheduled_at, "params": params}


async def publish_scheduled(ctx: JobContext, payload: dict[str, Any]) -> None:
    """The job: the row is taken and the status made in one transaction, so it posts once.
    A draft no longer valid (its reply target gone) is dropped, as Mastodon drops it."""
    async with ctx.db.transaction() as conn:
        row = await queries.take_scheduled_status(conn, scheduled_id=int(payload["scheduled_id"]))
        if row is None:
            return
        author = await accounts_q.get_account(conn, account_id=row["account_id"])
        if author is None or author.suspended_at is not None:
            return
        try:
            async with conn.transaction():
                await service.create_status(conn, config=ctx.config, author=author,
                                            draft=params_to_draft(row["params"]),
                                            now=ctx.clock.now(),
                                            application_id=row["application_id"])
        except CommonholdError:
            return
