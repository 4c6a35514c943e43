"""Closing a proposal: tally under the rules it opened with, outcome, effect, log entry,
all in one transaction. Also the reminder sent a day before close."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from server import events
from server.config import Config
from server.db import Conn
from server.errors import ConflictError
from server.governance.charter.parameters import POLL_KIND
from server.governance.log import service as log
from server.governance.proposals import ballots, enact, queries
from server.governance.proposals.queries import Proposal

logger = logging.getLogger(__name__)


class ProposalNotDueError(ConflictError):
    code = "proposal_not_due"

    def __init__(self, proposal_id: int, closes_at: datetime) -> None:
        super().__init__("This proposal is still open.", proposal_id=proposal_id)
        self.closes_at = closes_at


async def close_proposal(conn: Conn, *, proposal_id: int, now: datetime) -> Proposal | None:
    """Close a proposal whose time is up. Returns None when there is nothing to do (it was
    already closed, or never opened), so the timer may safely run twice."""
    if not await queries.lock_proposal(conn, proposal_id=proposal_id):
        return None
    proposal = await queries.get_proposal(conn, proposal_id=proposal_id)
    assert proposal is not None
    if proposal.status != "open":
        return None
    assert proposal.closes_at is not None and proposal.rules is not None
    if now < proposal.closes_at:
        raise ProposalNotDueError(proposal_id, proposal.closes_at)
    rows = await queries.list_ballots(conn, proposal_id=proposal_id)
    eligible = await queries.count_electorate(conn, proposal_id=proposal_id)
    tally = ballots.count(kind=proposal.kind, motion=proposal.motion, rules=proposal.rules,
                          ballots=rows, eligible=eligible)
    if proposal.kind == POLL_KIND:
        status, outcome = "closed", "closed"
    else:
        status, outcome = ("passed" if tally["passed"] else "failed"), str(tally["reason"])
    await queries.update_proposal_closed(conn, proposal_id=proposal_id, status=status,
                                         tally=tally, outcome=outcome, closed_at=now)
    if proposal.secret_ballot:
        # From here on nobody can tell whose ballot is whose (see ballots.py).
        await queries.delete_ballot_secret(conn, proposal_id=proposal_id)
    effect = None
    if status == "closed":
        effect = await enact.allocate_poll_fund(conn, proposal, tally, now)
        if effect is not None:
            await queries.update_proposal_effect(conn, proposal_id=proposal_id, status=status,
                                                 effect=effect)
    if status == "failed":
        await enact.settle_failed(conn, proposal, now)
    if status == "passed":
        status, effect = await enact.enact_passed(conn, proposal_id=proposal_id, now=now)
        await queries.update_proposal_effect(conn, proposal_id=proposal_id, status=status,
                                             effect=effect)
    entry = await log.append_entry(conn, kind="proposal.closed", now=now, body={
        "proposal_id": str(proposal_id), "kind": proposal.kind, "title": proposal.title,
        "motion": proposal.motion, "charter_version": proposal.charter_version,
        "rules": proposal.rules, "tally": tally, "outcome": outcome, "status": status,
        "effect": effect, "closed_at": log.timestamp(now)})
    await events.emit(conn, "proposal.closed", {"proposal_id": str(proposal_id),
                                                 "log_seq": entry["seq"]}, now=now)
    return await queries.get_proposal(conn, proposal_id=proposal_id)


async def remind(conn: Conn, *, proposal_id: int, now: datetime,
                 config: Config | None = None) -> int:
    """Remind each member of the electorate who has not voted yet. With the configuration,
    the co-op's Group tells each of them in a direct message, which reaches local members
    as a mention and members on other servers through federation."""
    proposal = await queries.get_proposal(conn, proposal_id=proposal_id)
    if proposal is None or proposal.status != "open" or proposal.closes_at is None:
        return 0
    reminded = await queries.insert_reminders(conn, proposal_id=proposal_id,
                                              closes_at=proposal.closes_at, now=now)
    if config is not None:
        for account_id in reminded:
            await _send_reminder(conn, proposal=proposal, account_id=account_id,
                                 config=config, now=now)
    logger.info("proposal %s closes at %s: reminded %d members who have not voted",
                proposal_id, proposal.closes_at.isoformat(), len(reminded))
    return len(reminded)


async def _send_reminder(conn: Conn, *, proposal: Any, account_id: int, config: Config,
                         now: datetime) -> None:
    from server.accounts import queries as accounts_q
    from server.governance.federation import actor as coop_actor
    from server.statuses import service as statuses
    from server.statuses.compose import Draft

    member = await accounts_q.get_account(conn, account_id=account_id)
    if member is None:
        return
    coop = await coop_actor.ensure_coop_account(conn, config=config, now=now)
    title = proposal.title if len(proposal.title) <= 200 else proposal.title[:199] + "…"
    text = (f"@{member.acct()} Reminder: the proposal “{title}” closes on "
            f"{proposal.closes_at:%Y-%m-%d %H:%M} UTC and you have not voted yet. "
            f"{config.url(f'/proposals/{proposal.id}')}")
    await statuses.create_status(conn, config=config, author=coop,
                                 draft=Draft(text=text, visibility="direct"), now=now)
