"""Poll votes between servers, as Mastodon exchanges them.

A vote is a `Create` of a `Note` that has a `name` (the option's title), is `inReplyTo` the
poll's `Question` and is addressed to the poll's author only, with no content; one Note per
chosen option. Outbound: `deliver_vote`, the job of the `poll.voted` event. Inbound:
`receive_vote`, called by the inbound Create handler before a Note becomes a status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.db import Conn
from server.federation import delivery
from server.ids import new_id
from server.jobs.context import JobContext
from server.polls import queries
from server.polls.queries import Poll

AS = "https://www.w3.org/ns/activitystreams"
DELIVER_KIND = "polls.deliver_vote"


class VoteNote(Protocol):
    """What a vote needs of a parsed Note (server.federation.vocabulary.Note has it)."""

    uri: str
    name: str | None
    in_reply_to: str | None
    content: str


def vote_activity(*, voter_uri: str, vote_id: int, poll: Poll) -> dict[str, Any]:
    """One vote (one chosen option) as the Create(Note) Mastodon sends."""
    note_id = f"{voter_uri}#votes/{vote_id}"
    return {
        "@context": AS,
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": voter_uri,
        "to": poll.author_uri,
        "object": {"id": note_id, "type": "Note", "name": None, "attributedTo": voter_uri,
                   "inReplyTo": poll.status_uri, "to": poll.author_uri},
    }


async def deliver_vote(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Job of `poll.voted`: send each vote on a remote poll to the poll's author."""
    vote_ids = [int(v) for v in payload["vote_ids"]]
    now = ctx.clock.now()
    async with ctx.db.transaction() as conn:
        poll = await queries.get_poll(conn, poll_id=int(payload["poll_id"]))
        votes = await queries.list_votes_by_ids(conn, vote_ids=vote_ids)
        if poll is None or poll.local or not votes:
            return
        voter = await accounts_q.get_account(conn, account_id=votes[0]["account_id"])
        inbox = poll.author_inbox or poll.author_shared_inbox
        if voter is None or voter.domain is not None or inbox is None:
            return
        for row in votes:
            activity = vote_activity(voter_uri=voter.uri, vote_id=row["id"], poll=poll)
            activity["object"]["name"] = poll.options[row["choice"]]
            await delivery.enqueue_deliveries(conn, actor_id=voter.id, activity=activity,
                                              inboxes=[inbox], now=now)


async def find_voted_poll(conn: Conn, note: VoteNote) -> Poll | None:
    """The local poll this Note votes on, or None when it is not a poll vote (then it is an
    ordinary reply). As Mastodon decides: a `name` that is one of the options of a poll on
    a local status the Note replies to."""
    if not note.name or not note.in_reply_to:
        return None
    poll_id = await queries.get_poll_by_status_uri(conn, uri=note.in_reply_to)
    poll = await queries.get_poll(conn, poll_id=poll_id) if poll_id is not None else None
    if poll is None or not poll.local or note.name not in poll.options:
        return None
    return poll


async def receive_vote(conn: Conn, *, actor: Account, note: VoteNote, now: datetime) -> bool:
    """True when `note` is a vote on one of our polls: then it has been recorded (once, by
    its uri) or deliberately ignored, and must not be stored as a status."""
    poll = await find_voted_poll(conn, note)
    if poll is None:
        return False
    await queries.lock_poll(conn, poll_id=poll.id)
    if poll.proposal_id is not None:
        from server.governance.federation import votes as proposal_votes

        await proposal_votes.receive_proposal_vote(conn, poll=poll, voter=actor, note=note,
                                                   now=now)
        return True
    if poll.expired(now) or await queries.vote_uri_seen(conn, uri=note.uri):
        return True
    choice = poll.options.index(note.name or "")
    mine = await queries.own_votes(conn, poll_id=poll.id, account_id=actor.id)
    if mine and not poll.multiple:
        return True   # a second answer to a single-choice poll: Mastodon refuses it too
    await queries.insert_vote(conn, vote_id=new_id(), poll_id=poll.id, account_id=actor.id,
                              choice=choice, uri=note.uri, now=now)
    return True
