"""Proposals and polls: writing one, opening it, voting, discussing.

Closing, tallying and enacting live in `closing.py` and `enact.py`; the job handlers that
drive them on time in `timers.py`.

Which rules decide a proposal: the ones of the charter version in force when it opened.
They are copied into the proposal when it opens (`rules`, `charter_version`), shown to
voters from then on, and used at close even if an amendment passed in between. Changing
the rules of a vote while it runs would let the outcome depend on when an amendment
happened to close; members voted knowing the rules they were shown.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from server import events, jobs
from server.db import Conn
from server.errors import ConflictError, ForbiddenError, ValidationError
from server.governance.charter import service as charter
from server.governance.charter.parameters import POLL_KIND, kind_parameters
from server.governance.errors import (
    NotAMemberError,
    ProposalClosedError,
    ProposalNotFoundError,
    ProposalNotOpenError,
)
from server.governance.log import service as log
from server.governance.members import queries as members_q
from server.governance.members import service as members
from server.governance.proposals import ballots, queries
from server.governance.proposals.motions import MotionContext, validate_motion
from server.governance.proposals.queries import Proposal
from server.ids import new_id

REMIND_BEFORE_CLOSE = timedelta(hours=24)
TITLE_MAX = 200
BODY_MAX = 20_000
REASON_MAX = 2_000
COMMENT_MAX = 5_000


async def motion_context(conn: Conn) -> MotionContext:
    current = await charter.get_charter_in_force(conn)
    return MotionContext(current.version, current.text, current.parsed.clause_ids,
                         current.parameters.all_roles)


async def _checked_motion(conn: Conn, kind: str, motion: Any) -> dict[str, Any]:
    """Validate a motion against the charter in force, then resolve what it names."""
    checked = validate_motion(kind, motion, await motion_context(conn))
    if kind == "appointment":
        account = await members_q.get_local_account_by_username(conn,
                                                                 username=checked["account"])
        if account is None:
            raise ValidationError(f"No local account is called {checked['account']!r}.",
                                  field="motion")
        member = await members.get_member(conn, account_id=account.id)
        if checked["action"] == "grant" and (member is None or not member.is_active):
            raise ValidationError(f"Roles go to active members; @{account.username} is not "
                                  "one.", field="motion")
        checked.update(account=account.username, account_id=str(account.id))
    elif kind == "membership":
        checked.update(await _membership_subject(conn, checked))
    elif kind == "admission":
        application = await members_q.get_application(
            conn, application_id=int(checked["application_id"]))
        if application is None or application.status != "pending":
            raise ValidationError("The motion must name a pending membership application.",
                                  field="motion")
    return checked


# Which statuses a member must have for each membership action to make sense.
_MEMBERSHIP_FROM = {"suspend": ("active",), "reinstate": ("suspended",),
                    "expel": ("active", "suspended")}


async def _membership_subject(conn: Conn, checked: dict[str, Any]) -> dict[str, Any]:
    account = await members_q.get_local_account_by_username(conn, username=checked["account"])
    member = await members.get_member(conn, account_id=account.id) if account else None
    if account is None or member is None:
        raise ValidationError(f"@{checked['account']} is not a member.", field="motion")
    allowed = _MEMBERSHIP_FROM[checked["action"]]
    if member.status not in allowed:
        raise ValidationError(f"@{account.username} is {member.status}; only a member who is "
                              f"{' or '.join(allowed)} can be the subject of this motion.",
                              field="motion")
    return {"account": account.username, "account_id": str(account.id)}


def _check_texts(title: Any, body: Any) -> tuple[str, str]:
    if not isinstance(title, str) or not title.strip():
        raise ValidationError("Give the proposal a title.", field="title")
    if len(title.strip()) > TITLE_MAX:
        raise ValidationError(f"The title can be at most {TITLE_MAX} characters.", field="title")
    body = "" if body is None else body
    if not isinstance(body, str) or len(body) > BODY_MAX:
        raise ValidationError(f"The text must be at most {BODY_MAX} characters.", field="body")
    return title.strip(), body.strip()


async def create_proposal(conn: Conn, *, author_account_id: int, kind: str, title: Any,
                          body: Any, motion: Any, now: datetime, draft: bool = False,
                          require_member: bool = True,
                          jury_draw_id: int | None = None) -> Proposal:
    """Write a proposal; open it at once unless `draft`. Everything is checked before
    anything is stored. `require_member=False` is only for an applicant's own admission;
    `jury_draw_id` only for a jury decision, which `juries.seats.open_decision` opens
    after checking that the author sits on that jury."""
    if require_member:
        await members.require_active_member(conn, account_id=author_account_id)
    if (str(kind) == "jury_decision") != (jury_draw_id is not None):
        raise ValidationError("A jury decision is put to a jury by one of its jurors, from "
                              "the jury's page.", field="kind")
    if jury_draw_id is not None and draft:
        raise ValidationError("A jury decision opens at once.", field="draft")
    title, body = _check_texts(title, body)
    checked = await _checked_motion(conn, str(kind), motion)
    if jury_draw_id is not None and checked["draw_id"] != str(jury_draw_id):
        raise ValidationError("A jury decision's motion must name its own jury.", field="motion")
    proposal_id = new_id()
    await queries.insert_proposal(conn, proposal_id=proposal_id, kind=str(kind), title=title,
                                  body=body, motion=checked, author_account_id=author_account_id,
                                  now=now, jury_draw_id=jury_draw_id)
    if not draft:
        await _open_now(conn, proposal_id=proposal_id, now=now)
    return await get_proposal(conn, proposal_id=proposal_id)


async def get_proposal(conn: Conn, *, proposal_id: int) -> Proposal:
    proposal = await queries.get_proposal(conn, proposal_id=proposal_id)
    if proposal is None:
        raise ProposalNotFoundError(proposal_id)
    return proposal


async def open_proposal(conn: Conn, *, proposal_id: int, by_account_id: int, now: datetime,
                        opens_at: datetime | None = None) -> Proposal:
    """The author opens a draft now, or schedules it to open at `opens_at`."""
    if not await queries.lock_proposal(conn, proposal_id=proposal_id):
        raise ProposalNotFoundError(proposal_id)
    proposal = await get_proposal(conn, proposal_id=proposal_id)
    if proposal.author_account_id != by_account_id:
        raise ForbiddenError("Only the author can open this proposal.")
    await members.require_active_member(conn, account_id=by_account_id)
    if proposal.status != "draft":
        raise ConflictError("This proposal has already been opened.")
    if opens_at is not None and opens_at > now:
        await queries.update_proposal_scheduled(conn, proposal_id=proposal_id, when=opens_at)
        await jobs.enqueue(conn, "governance.open_proposal", {"proposal_id": str(proposal_id)},
                           now=now, run_at=opens_at)
    else:
        await _open_now(conn, proposal_id=proposal_id, now=now)
    return await get_proposal(conn, proposal_id=proposal_id)


async def open_scheduled_proposal(conn: Conn, *, proposal_id: int, now: datetime) -> bool:
    """The `governance.open_proposal` timer: open a scheduled draft once it is due.
    Idempotent: anything already opened, or not scheduled, is left alone."""
    if not await queries.lock_proposal(conn, proposal_id=proposal_id):
        return False
    proposal = await get_proposal(conn, proposal_id=proposal_id)
    if proposal.status != "draft" or proposal.scheduled_open_at is None:
        return False
    if proposal.scheduled_open_at > now:
        return False
    await _open_now(conn, proposal_id=proposal_id, now=now)
    return True


async def _open_now(conn: Conn, *, proposal_id: int, now: datetime) -> None:
    proposal = await get_proposal(conn, proposal_id=proposal_id)
    current = await charter.get_charter_in_force(conn)
    params = current.parameters_for(proposal.kind)
    # The charter may have changed since the draft was written (a cited clause removed).
    motion = await _checked_motion(conn, proposal.kind, proposal.motion)
    closes_at = now + params.voting_period
    await queries.update_proposal_opened(
        conn, proposal_id=proposal_id, charter_version=current.version, rules=dict(params.raw),
        secret_ballot=params.secret_ballot, results_hidden=params.results_hidden, opens_at=now,
        closes_at=closes_at, motion=motion)
    if proposal.jury_draw_id is not None:
        # A jury decision is voted on by the jury's seated jurors alone.
        await queries.insert_jury_electorate(conn, proposal_id=proposal_id,
                                             jury_draw_id=proposal.jury_draw_id)
    else:
        await queries.insert_electorate(conn, proposal_id=proposal_id)
    if params.secret_ballot:
        await queries.insert_ballot_secret(conn, proposal_id=proposal_id,
                                           secret=secrets.token_bytes(32))
    payload = {"proposal_id": str(proposal_id)}
    await jobs.enqueue(conn, "governance.remind_proposal", payload, now=now,
                       run_at=max(now, closes_at - REMIND_BEFORE_CLOSE))
    await jobs.enqueue(conn, "governance.close_proposal", payload, now=now, run_at=closes_at)
    # The governance actor publishes it (server/governance/federation/publish.py).
    await events.emit(conn, "proposal.opened", payload, now=now)
    await log.append_entry(conn, kind="proposal.opened", now=now, body={
        "proposal_id": str(proposal_id), "kind": proposal.kind, "title": proposal.title,
        "author": proposal.author, "motion": motion, "charter_version": current.version,
        "rules": dict(params.raw), "opens_at": log.timestamp(now),
        "closes_at": log.timestamp(closes_at),
        "electorate": await queries.count_electorate(conn, proposal_id=proposal_id)})


async def access_proposal_for_voting(conn: Conn, *, account_id: int | None, proposal_id: int,
                                     now: datetime) -> Proposal:
    """The only way voting code gets a proposal. Takes a share lock on it, so a close
    waits for this vote to commit."""
    if not await queries.lock_proposal_for_voting(conn, proposal_id=proposal_id):
        raise ProposalNotFoundError(proposal_id)
    proposal = await get_proposal(conn, proposal_id=proposal_id)
    await members.require_active_member(conn, account_id=account_id)
    if proposal.status == "draft":
        raise ProposalNotOpenError(proposal_id)
    if proposal.status != "open" or proposal.closes_at is None or now >= proposal.closes_at:
        raise ProposalClosedError(proposal_id)
    assert account_id is not None
    if await queries.get_voter(conn, proposal_id=proposal_id, account_id=account_id) is None:
        if proposal.jury_draw_id is not None:
            raise NotAMemberError("Only the jurors who had accepted their seat when this "
                                  "jury decision opened can vote on it.")
        raise NotAMemberError("Only members who were members when this proposal opened can "
                              "vote on it.")
    return proposal


async def ballot_key_for(conn: Conn, proposal: Proposal, account_id: int) -> str | None:
    """Where this member's ballot is stored; None once a secret ballot's key is destroyed."""
    if not proposal.secret_ballot:
        return ballots.open_ballot_key(account_id)
    secret = await queries.get_ballot_secret(conn, proposal_id=proposal.id)
    return ballots.secret_ballot_key(secret, account_id) if secret else None


async def cast_vote(conn: Conn, *, account_id: int | None, proposal_id: int, choice: Any,
                    reason: Any, now: datetime) -> dict[str, Any]:
    """Record a member's vote, or replace their earlier one (allowed until close)."""
    proposal = await access_proposal_for_voting(conn, account_id=account_id,
                                                proposal_id=proposal_id, now=now)
    assert account_id is not None and proposal.rules is not None
    reason = "" if reason is None else reason
    if not isinstance(reason, str) or len(reason) > REASON_MAX:
        raise ValidationError(f"The reason must be text of at most {REASON_MAX} characters.",
                              field="reason")
    reason = reason.strip()
    if proposal.kind == POLL_KIND:
        choice = ballots.check_poll_choice(proposal.motion, choice)
    else:
        required = kind_parameters(proposal.kind, proposal.rules).reasons_required
        choice = ballots.check_stance(choice, reason, reasons_required=required)
    key = await ballot_key_for(conn, proposal, account_id)
    assert key is not None
    new = await queries.upsert_ballot(
        conn, proposal_id=proposal_id, ballot_key=key,
        account_id=None if proposal.secret_ballot else account_id, choice=choice, reason=reason,
        cast_at=None if proposal.secret_ballot else now)
    await queries.mark_voted(conn, proposal_id=proposal_id, account_id=account_id, now=now)
    return {"proposal_id": str(proposal_id), "choice": choice, "reason": reason,
            "changed": not new}


async def add_comment(conn: Conn, *, proposal_id: int, account_id: int | None, body: Any,
                      now: datetime) -> None:
    member = await members.require_active_member(conn, account_id=account_id)
    proposal = await get_proposal(conn, proposal_id=proposal_id)
    if proposal.status == "draft" and proposal.author_account_id != member.account_id:
        raise ProposalNotFoundError(proposal_id)
    if not isinstance(body, str) or not body.strip() or len(body) > COMMENT_MAX:
        raise ValidationError(f"A comment must be 1 to {COMMENT_MAX} characters.", field="body")
    await queries.insert_comment(conn, comment_id=new_id(), proposal_id=proposal_id,
                                 author_account_id=member.account_id, body=body.strip(), now=now)
