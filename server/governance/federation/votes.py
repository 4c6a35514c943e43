"""Votes on a proposal that arrive as poll votes: from a local member's Mastodon client on
the governance actor's status, or from a member's own server as a Note.

Either way the vote is cast with `proposals.service.cast_vote`, so every rule of voting
holds: only members of the proposal's electorate, only while it is open, one ballot per
member (a later vote replaces the earlier one, as on Loomio), and a block needs a reason.

A fediverse poll has no field for a reason. A vote received as a Note takes the Note's
text as its reason when it has one (Mastodon sends none); a `block` without one is not
counted. Members who block from another server give their reason on the proposal page
or through the governance API. A vote that is not counted (a non-member, a closed
proposal, a block without reason) is recorded with why, and nothing is sent back.
"""

from __future__ import annotations

from datetime import datetime

from server.accounts.queries import Account
from server.db import Conn
from server.errors import CommonholdError
from server.governance.federation import queries
from server.governance.proposals import service as proposals
from server.ids import new_id
from server.polls import queries as polls_q
from server.polls.federation import VoteNote
from server.polls.queries import Poll
from server.statuses.sanitize import sanitize_plain


async def _mirror(conn: Conn, *, poll: Poll, account_id: int, choice: int, uri: str | None,
                  now: datetime) -> None:
    """The poll shows the member's current ballot (one vote each, replaced on change)."""
    await polls_q.delete_votes_of(conn, poll_id=poll.id, account_id=account_id)
    await polls_q.insert_vote(conn, vote_id=new_id(), poll_id=poll.id, account_id=account_id,
                              choice=choice, uri=uri, now=now)


async def vote_from_poll(conn: Conn, *, poll: Poll, voter: Account, choice: int,
                         now: datetime) -> None:
    """A local member votes through `POST /api/v1/polls/:id/votes`. Errors are the
    proposal's own (403 not a member, 422 block without reason, ...)."""
    assert poll.proposal_id is not None
    await proposals.cast_vote(conn, account_id=voter.id, proposal_id=poll.proposal_id,
                              choice=poll.options[choice], reason="", now=now)
    await _mirror(conn, poll=poll, account_id=voter.id, choice=choice, uri=None, now=now)


async def receive_proposal_vote(conn: Conn, *, poll: Poll, voter: Account, note: VoteNote,
                                now: datetime) -> bool:
    """Count a vote Note from another server, or record why not. True when counted."""
    assert poll.proposal_id is not None and note.name is not None
    if await queries.federated_vote_seen(conn, uri=note.uri):
        return False    # a redelivery: recorded the first time
    reason = sanitize_plain(note.content or "", limit=proposals.REASON_MAX)
    refused: str | None = None
    try:
        async with conn.transaction():   # a savepoint: a refusal leaves nothing behind
            await proposals.cast_vote(conn, account_id=voter.id, proposal_id=poll.proposal_id,
                                      choice=note.name, reason=reason, now=now)
    except CommonholdError as exc:
        refused = exc.message
    if refused is None:
        await _mirror(conn, poll=poll, account_id=voter.id,
                      choice=poll.options.index(note.name), uri=note.uri, now=now)
    await queries.insert_federated_vote(conn, vote_id=new_id(), proposal_id=poll.proposal_id,
                                        account_id=voter.id, uri=note.uri, choice=note.name,
                                        counted=refused is None, reason=refused, now=now)
    return refused is None
