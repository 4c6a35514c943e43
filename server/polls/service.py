"""Mastodon polls: showing one, voting on it, closing it when it expires.

Counts of a local poll come from its votes; a remote poll's come from what its server
reports (`remote_counts`), bumped at once by our own members' votes, which are sent to
that server as Mastodon sends them (`polls.federation`). A poll attached to a proposal of
the cooperative (the governance actor's status) is the proposal's ballot: a vote on it is
cast on the proposal (`server.governance.federation.votes`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server import events, jobs
from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.db import Conn
from server.errors import NotFoundError, ValidationError
from server.ids import new_id
from server.jobs import RetryLaterError
from server.jobs.context import JobContext
from server.notifications import queries as notifications_q
from server.notifications import service as notifications
from server.polls import queries
from server.polls.queries import Poll
from server.statuses.service import access_status_for_viewing
from server.streaming import publish

EXPIRE_KIND = "polls.expire"


def _iso(stamp: datetime | None) -> str | None:
    return None if stamp is None else stamp.isoformat().replace("+00:00", "Z")


async def render_poll(conn: Conn, poll: Poll, *, viewer_id: int | None,
                      now: datetime) -> dict[str, Any]:
    """The Poll entity, as Mastodon 4.x serializes it."""
    expired = poll.expired(now)
    if poll.local:
        by_choice = await queries.count_votes(conn, poll_id=poll.id)
        counts = [by_choice.get(i, 0) for i in range(len(poll.options))]
        voters = await queries.count_voters(conn, poll_id=poll.id)
    else:
        reported = list(poll.remote_counts or [])
        counts = [int(reported[i]) if i < len(reported) else 0 for i in range(len(poll.options))]
        voters = poll.remote_voters if poll.remote_voters is not None else sum(counts)
    hidden = poll.hide_totals and not expired
    own = (await queries.own_votes(conn, poll_id=poll.id, account_id=viewer_id)
           if viewer_id is not None else None)
    return {
        "id": str(poll.id),
        "expires_at": _iso(poll.expires_at),
        "expired": expired,
        "multiple": poll.multiple,
        "votes_count": sum(counts),
        "voters_count": voters,
        "options": [{"title": title, "votes_count": None if hidden else count}
                    for title, count in zip(poll.options, counts, strict=True)],
        "emojis": [],
        "voted": None if own is None else (bool(own) or viewer_id == poll.account_id),
        "own_votes": own,
    }


async def access_poll(conn: Conn, *, poll_id: int, viewer: Account | None) -> Poll:
    """A poll the viewer may see (the one of a status they may see), else 404."""
    poll = await queries.get_poll(conn, poll_id=poll_id)
    if poll is None:
        raise NotFoundError("Record not found")
    await access_status_for_viewing(conn, status_id=poll.status_id, viewer=viewer)
    return poll


def check_choices(poll: Poll, choices: list[Any]) -> list[int]:
    """Option indices as Mastodon checks them; 422 otherwise."""
    if not choices:
        raise ValidationError("Validation failed: choices can't be blank", field="choices")
    picked: list[int] = []
    for raw in choices:
        text = str(raw).strip()
        if not text.isdigit() or int(text) >= len(poll.options):
            raise ValidationError("Validation failed: Choice is not a valid option",
                                  field="choices")
        if int(text) not in picked:
            picked.append(int(text))
    if len(picked) > 1 and not poll.multiple:
        raise ValidationError("Validation failed: You can only choose one option in this poll",
                              field="choices")
    return sorted(picked)


async def vote(conn: Conn, *, poll_id: int, voter: Account, choices: list[Any],
               now: datetime) -> Poll:
    poll = await access_poll(conn, poll_id=poll_id, viewer=voter)
    await queries.lock_poll(conn, poll_id=poll_id)
    if poll.expired(now):
        raise ValidationError("Validation failed: The poll has already ended", field="choices")
    picked = check_choices(poll, choices)
    if poll.proposal_id is not None:
        # The cooperative's own proposals: the ballot is the proposal's, and may change.
        from server.governance.federation import votes as proposal_votes

        await proposal_votes.vote_from_poll(conn, poll=poll, voter=voter, choice=picked[0],
                                            now=now)
        return poll
    if await queries.own_votes(conn, poll_id=poll_id, account_id=voter.id):
        raise ValidationError("Validation failed: You have already voted on this poll",
                              field="choices")
    vote_ids = []
    for choice in picked:
        vote_id = new_id()
        uri = None if poll.local else f"{voter.uri}#votes/{vote_id}"
        await queries.insert_vote(conn, vote_id=vote_id, poll_id=poll_id, account_id=voter.id,
                                  choice=choice, uri=uri, now=now)
        vote_ids.append(vote_id)
    if not poll.local:
        await queries.bump_remote_counts(conn, poll_id=poll_id, choices=picked,
                                         option_count=len(poll.options), new_voter=True)
        await events.emit(conn, "poll.voted", {"poll_id": str(poll_id),
                                               "vote_ids": [str(v) for v in vote_ids]}, now=now)
    await publish.status_updated(conn, status_id=poll.status_id)
    return poll


async def schedule_expiry(conn: Conn, *, poll_id: int, expires_at: datetime, now: datetime) -> None:
    """Call when a poll is stored (local or remote): the job closes it on time."""
    await jobs.enqueue(conn, EXPIRE_KIND, {"poll_id": str(poll_id)}, now=now, run_at=expires_at)


async def expire_poll(conn: Conn, *, poll_id: int, now: datetime) -> bool:
    """Close a poll whose time is up and tell the local voters and a local author.
    False when there is nothing (more) to do."""
    if not await queries.lock_poll(conn, poll_id=poll_id):
        return False
    poll = await queries.get_poll(conn, poll_id=poll_id)
    assert poll is not None
    if poll.closed_at is not None or poll.expires_at is None or poll.expires_at > now:
        return False
    await queries.close_poll(conn, poll_id=poll_id, now=now)
    for account_id in await queries.list_local_voters(conn, poll_id=poll_id):
        voter = await accounts_q.get_account(conn, account_id=account_id)
        if voter is not None:
            await notifications.notify(conn, recipient=voter, sender_id=poll.account_id,
                                       type_="poll", status_id=poll.status_id, now=now)
    if poll.local and poll.proposal_id is None:
        # "Your poll has ended": from the author to the author, as Mastodon words it.
        made = await notifications_q.insert_notification(
            conn, notification_id=new_id(), account_id=poll.account_id,
            from_account_id=poll.account_id, type_="poll", status_id=poll.status_id, now=now,
            filterable=[])
        if made is not None:
            await publish.notification_created(conn, account_id=poll.account_id,
                                               notification_id=made.id)
    await publish.status_updated(conn, status_id=poll.status_id)
    return True


async def expire_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    poll_id, now = int(payload["poll_id"]), ctx.clock.now()
    async with ctx.db.acquire() as conn:
        poll = await queries.get_poll(conn, poll_id=poll_id)
    if poll is not None and poll.closed_at is None and poll.expires_at is not None \
            and poll.expires_at > now:
        raise RetryLaterError("poll not due yet",
                              delay_seconds=(poll.expires_at - now).total_seconds())
    async with ctx.db.transaction() as conn:
        await expire_poll(conn, poll_id=poll_id, now=now)
