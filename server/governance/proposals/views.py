"""What a viewer may see of a proposal: the tally only when results are visible, voters'
choices only on open ballots, their own ballot always. Used by the pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn
from server.governance.charter.parameters import POLL_KIND
from server.governance.log.service import timestamp
from server.governance.members import service as members
from server.governance.proposals import ballots, queries, service
from server.governance.proposals.queries import Comment, Proposal


@dataclass(frozen=True)
class ProposalView:
    proposal: Proposal
    results_visible: bool
    tally: dict[str, Any] | None
    electorate: int
    participants: list[dict[str, Any]]
    named_ballots: list[dict[str, Any]] | None
    my_ballot: dict[str, Any] | None
    can_vote: bool
    comments: list[Comment]

    @property
    def is_poll(self) -> bool:
        return self.proposal.kind == POLL_KIND


def results_visible(proposal: Proposal) -> bool:
    if proposal.status == "draft":
        return False
    return proposal.status != "open" or not proposal.results_hidden


async def live_tally(conn: Conn, proposal: Proposal) -> dict[str, Any] | None:
    if proposal.tally is not None:
        return proposal.tally
    if proposal.status != "open" or proposal.rules is None:
        return None
    eligible = await queries.count_electorate(conn, proposal_id=proposal.id)
    rows = await queries.list_ballots(conn, proposal_id=proposal.id)
    return ballots.count(kind=proposal.kind, motion=proposal.motion, rules=proposal.rules,
                         ballots=rows, eligible=eligible)


async def get_view(conn: Conn, *, proposal_id: int, viewer_account_id: int | None,
                   now: datetime) -> ProposalView:
    proposal = await service.get_proposal(conn, proposal_id=proposal_id)
    if proposal.status == "draft" and proposal.author_account_id != viewer_account_id:
        raise service.ProposalNotFoundError(proposal_id)
    visible = results_visible(proposal)
    my_ballot = None
    can_vote = False
    if viewer_account_id is not None and proposal.status == "open":
        voter = await queries.get_voter(conn, proposal_id=proposal_id,
                                        account_id=viewer_account_id)
        member = await members.get_member(conn, account_id=viewer_account_id)
        can_vote = bool(voter and member and member.is_active and proposal.closes_at
                        and now < proposal.closes_at)
        key = await service.ballot_key_for(conn, proposal, viewer_account_id)
        if key:
            my_ballot = await queries.get_ballot(conn, proposal_id=proposal_id, ballot_key=key)
    named = None
    if visible and not proposal.secret_ballot:
        named = await queries.list_named_ballots(conn, proposal_id=proposal_id)
    return ProposalView(
        proposal=proposal, results_visible=visible,
        tally=await live_tally(conn, proposal) if visible else None,
        electorate=await queries.count_electorate(conn, proposal_id=proposal_id),
        participants=await queries.list_participants(conn, proposal_id=proposal_id),
        named_ballots=named, my_ballot=my_ballot, can_vote=can_vote,
        comments=await queries.list_comments(conn, proposal_id=proposal_id))


async def list_proposals(conn: Conn, *, viewer_account_id: int | None, status: str | None = None,
                         limit: int = 100) -> list[Proposal]:
    return await queries.list_proposals(conn, viewer_account_id=viewer_account_id,
                                        status=status, limit=limit)


def _time(value: datetime | None) -> str | None:
    return timestamp(value) if value else None


def proposal_json(proposal: Proposal) -> dict[str, Any]:
    """The public fields of a proposal (no tally: see `view_json`)."""
    return {
        "id": str(proposal.id), "kind": proposal.kind, "title": proposal.title,
        "body": proposal.body, "motion": proposal.motion, "author": proposal.author,
        "status": proposal.status, "charter_version": proposal.charter_version,
        "rules": proposal.rules, "secret_ballot": proposal.secret_ballot,
        "results_hidden_until_close": proposal.results_hidden,
        "scheduled_open_at": _time(proposal.scheduled_open_at),
        "opens_at": _time(proposal.opens_at), "closes_at": _time(proposal.closes_at),
        "closed_at": _time(proposal.closed_at), "created_at": _time(proposal.created_at),
        "url": f"/proposals/{proposal.id}",
    }


def view_json(view: ProposalView) -> dict[str, Any]:
    p = view.proposal
    out = proposal_json(p)
    out.update({
        "results_visible": view.results_visible,
        "tally": view.tally,
        "outcome": p.outcome,
        "effect": p.effect,
        "electorate": view.electorate,
        "participants": [v["username"] for v in view.participants],
        "votes": None if view.named_ballots is None else [
            {"voter": b["username"], "choice": b["choice"], "reason": b["reason"],
             "cast_at": _time(b["cast_at"])} for b in view.named_ballots],
        "my_vote": view.my_ballot,
        "can_vote": view.can_vote,
        "comments": [{"id": str(c.id), "author": c.author, "body": c.body,
                      "created_at": _time(c.created_at)} for c in view.comments],
    })
    return out
