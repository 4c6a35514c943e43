"""Scheduled statuses: kept as the draft's parameters and published by a job at their time
(Mastodon's ScheduledStatus). The draft is checked when scheduled, and again when published."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from server import jobs
from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.db import Conn
from server.errors import CommonholdError, NotFoundError, ValidationError
from server.ids import new_id
from server.jobs.context import JobContext
from server.media import queries as media_q
from server.statuses import compose, queries, service
from server.statuses.compose import Draft, PollDraft

# Mastodon refuses schedules closer than five minutes ahead, more than 300 waiting per
# account, and more than 25 for one (UTC) day.
MIN_AHEAD = timedelta(minutes=5)
TOTAL_LIMIT = 300
DAILY_LIMIT = 25
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
                 if poll else None, quoted_status_id=params.get("quoted_status_id"),
                 quote_policy=params.get("quote_policy"))


async def _check_time(conn: Conn, *, account_id: int, scheduled_at: datetime, now: datetime,
                      adding: bool) -> None:
    if scheduled_at < now + MIN_AHEAD:
        raise ValidationError("Validation failed: Scheduled at The scheduled date must be in the future",
                              field="scheduled_at")
    day = scheduled_at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    total, on_day = await queries.count_scheduled_statuses(
        conn, account_id=account_id, day_start=day, day_end=day + timedelta(days=1))
    if adding and total >= TOTAL_LIMIT:
        raise ValidationError(f"Validation failed: Scheduled at No more than {TOTAL_LIMIT} "
                              "statuses can wait to be published", field="scheduled_at")
    if on_day >= DAILY_LIMIT:
        raise ValidationError(f"Validation failed: Scheduled at No more than {DAILY_LIMIT} "
                              "statuses can be scheduled for one day", field="scheduled_at")


async def schedule_status(conn: Conn, *, author: Account, draft: Draft, scheduled_at: datetime,
                          application_id: int | None, now: datetime) -> dict[str, Any]:
    await _check_time(conn, account_id=author.id, scheduled_at=scheduled_at, now=now, adding=True)
    draft = compose.check_draft(draft)
    if draft.media_ids:   # checked now as posting would, so a refusal reaches the client
        mine = {m.id for m in await media_q.list_media_by_ids(conn, media_ids=draft.media_ids)
                if m.account_id == author.id and m.status_id is None}
        if mine != set(draft.media_ids):
            raise ValidationError("Validation failed: a media attachment does not exist or is "
                                  "not yours", field="media_ids")
    scheduled_id = new_id()
    params = draft_to_params(draft)
    await queries.insert_scheduled_status(conn, scheduled_id=scheduled_id, account_id=author.id,
                                          scheduled_at=scheduled_at, params=params,
                                          application_id=application_id, now=now)
    await jobs.enqueue(conn, JOB_KIND, {"scheduled_id": scheduled_id}, now=now, run_at=scheduled_at)
    return {"id": scheduled_id, "scheduled_at": scheduled_at, "params": params,
            "application_id": application_id}


async def get_own(conn: Conn, *, account_id: int, scheduled_id: int) -> dict[str, Any]:
    """One of the account's scheduled statuses; anyone else's is not found."""
    row = await queries.get_scheduled_status(conn, scheduled_id=scheduled_id,
                                             account_id=account_id)
    if row is None:
        raise NotFoundError("Record not found")
    return row


async def reschedule(conn: Conn, *, account_id: int, scheduled_id: int, scheduled_at: datetime,
                     now: datetime) -> dict[str, Any]:
    """Move a waiting status to another time: a job for the new time; the job of the old
    time, if it comes first, finds the status not yet due and leaves it."""
    await get_own(conn, account_id=account_id, scheduled_id=scheduled_id)
    await _check_time(conn, account_id=account_id, scheduled_at=scheduled_at, now=now,
                      adding=False)
    row = await queries.reschedule_status(conn, scheduled_id=scheduled_id, account_id=account_id,
                                          scheduled_at=scheduled_at)
    if row is None:   # published or cancelled meanwhile
        raise NotFoundError("Record not found")
    await jobs.enqueue(conn, JOB_KIND, {"scheduled_id": scheduled_id}, now=now, run_at=scheduled_at)
    return row


async def cancel(conn: Conn, *, account_id: int, scheduled_id: int) -> None:
    if not await queries.delete_scheduled_status(conn, scheduled_id=scheduled_id,
                                                 account_id=account_id):
        raise NotFoundError("Record not found")


async def publish_scheduled(ctx: JobContext, payload: dict[str, Any]) -> None:
    """The job: the row is taken and the status made in one transaction, so it posts once.
    A draft no longer valid (its reply target gone) is dropped, as Mastodon drops it."""
    async with ctx.db.transaction() as conn:
        row = await queries.take_scheduled_status(conn, scheduled_id=int(payload["scheduled_id"]),
                                                  now=ctx.clock.now())
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
