"""Putting a passed proposal's motion into effect, inside the transaction that closes it.

`enact` refuses any proposal that is not in the `passed` state, so there is no way to
apply a motion (least of all a charter amendment) without an adopted proposal.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from fractions import Fraction
from typing import Any

import asyncpg

from server.db import Conn
from server.errors import CommonholdError, ConflictError
from server.governance.charter import service as charter
from server.governance.members import applications
from server.governance.members import service as members
from server.governance.proposals import queries
from server.governance.proposals.queries import Proposal
from server.governance.roles import service as roles
from server.governance.rules import queries as rules_q
from server.ids import new_id

log = logging.getLogger(__name__)
Enactor = Callable[[Conn, Proposal, datetime], Awaitable[dict[str, Any]]]


async def _charter_amendment(conn: Conn, p: Proposal, now: datetime) -> dict[str, Any]:
    adopted = await charter.adopt_amendment(conn, proposal_id=p.id, now=now)
    return {"charter_version": adopted.version}


async def _moderation_rule(conn: Conn, p: Proposal, now: datetime) -> dict[str, Any]:
    m = p.motion
    if m["action"] == "repeal":
        if not await rules_q.deactivate_moderation_rule(conn, rule_id=int(m["rule_id"])):
            raise ConflictError(f"Moderation rule {m['rule_id']} is not in force.")
        return {"moderation_rule_id": m["rule_id"], "active": False}
    rule_id = new_id()
    await rules_q.insert_moderation_rule(conn, rule_id=rule_id, clause=m["clause"],
                                         rule=m["rule"], description=m["description"],
                                         proposal_id=p.id, now=now)
    return {"moderation_rule_id": str(rule_id), "active": True}


async def _domain_policy(conn: Conn, p: Proposal, now: datetime) -> dict[str, Any]:
    m = p.motion
    lifted = await rules_q.lift_domain_policy(conn, domain=m["domain"], now=now, proposal_id=p.id)
    effect: dict[str, Any] = {"domain": m["domain"], "policy": m["policy"],
                              "replaced_policy_id": str(lifted) if lifted else None}
    if m["policy"] != "lift":
        policy_id = new_id()
        await rules_q.insert_domain_policy(conn, policy_id=policy_id, domain=m["domain"],
                                           policy=m["policy"], reason=m["reason"],
                                           clause=m["clause"], proposal_id=p.id, now=now)
        effect["domain_policy_id"] = str(policy_id)
    return effect


async def _budget(conn: Conn, p: Proposal, now: datetime) -> dict[str, Any]:
    m = p.motion
    allocation_id = new_id()
    await rules_q.insert_budget_allocation(conn, allocation_id=allocation_id, proposal_id=p.id,
                                           amount_minor=m["amount"], currency=m["currency"],
                                           purpose=m["purpose"], now=now)
    return {"budget_allocation_id": str(allocation_id), "amount": m["amount"],
            "currency": m["currency"]}


async def _appointment(conn: Conn, p: Proposal, now: datetime) -> dict[str, Any]:
    m = p.motion
    return await roles.change_role(conn, account_id=int(m["account_id"]), username=m["account"],
                                   role=m["role"], grant=m["action"] == "grant",
                                   proposal_id=p.id, now=now)


async def _admission(conn: Conn, p: Proposal, now: datetime) -> dict[str, Any]:
    return await applications.admit_by_proposal(
        conn, application_id=int(p.motion["application_id"]), proposal_id=p.id, now=now)


async def _membership(conn: Conn, p: Proposal, now: datetime) -> dict[str, Any]:
    m = p.motion
    member = await members.change_status_by_decision(
        conn, account_id=int(m["account_id"]), action=m["action"], clause=m["clause"],
        reason=m["reason"], proposal_id=p.id, now=now)
    return {"account_id": m["account_id"], "username": member.username,
            "action": m["action"], "status": member.status, "clause": m["clause"]}


ENACTORS: Mapping[str, Enactor] = {
    "charter_amendment": _charter_amendment,
    "moderation_rule": _moderation_rule,
    "domain_policy": _domain_policy,
    "budget": _budget,
    "appointment": _appointment,
    "admission": _admission,
    "membership": _membership,
}


async def enact(conn: Conn, *, proposal_id: int, now: datetime) -> dict[str, Any] | None:
    """Apply a passed proposal's motion; None for kinds without one (general)."""
    proposal = await queries.get_proposal(conn, proposal_id=proposal_id)
    if proposal is None or proposal.status != "passed":
        raise ConflictError("Only a proposal that has passed can be enacted.")
    enactor = ENACTORS.get(proposal.kind)
    return None if enactor is None else await enactor(conn, proposal, now)


async def settle_failed(conn: Conn, proposal: Proposal, now: datetime) -> None:
    """A failed proposal changes nothing, except that an admission it decided is refused."""
    if proposal.kind == "admission":
        await applications.reject_by_proposal(
            conn, application_id=int(proposal.motion["application_id"]), now=now)


async def allocate_poll_fund(conn: Conn, proposal: Proposal, tally: Mapping[str, Any],
                             now: datetime) -> dict[str, Any] | None:
    """The effect of a poll that has just closed (it stays `closed`: a poll has no pass or
    fail). A dot vote that names an amount of the fund allocates it among the options as
    `polls.allocate_fund` split it in the tally, one budget allocation per option given
    anything, provided at least one dot was placed and turnout reached the quorum for
    budget proposals of the charter version the poll opened under. Other polls: None."""
    fund = proposal.motion.get("fund")
    if proposal.motion.get("method") != "dot_vote" or not fund:
        return None
    allocation = tally.get("allocation")
    if allocation is None:
        return {"enacted": False, "error": "Nobody placed a dot, so the fund was not "
                                           "allocated."}
    assert proposal.charter_version is not None
    opened_under = await charter.get_version(conn, version=proposal.charter_version)
    budget_rules = opened_under.parameters_for("budget").rules
    assert budget_rules is not None
    if Fraction(tally["cast"]) < budget_rules.quorum * tally["eligible"]:
        return {"enacted": False, "error": "Too few members took part (the quorum for budget "
                                           "proposals) to allocate the fund."}
    rows = []
    async with conn.transaction():  # a savepoint: all the allocations or none
        for option, amount in allocation["amounts"].items():
            if amount <= 0:
                continue
            allocation_id = new_id()
            await rules_q.insert_budget_allocation(
                conn, allocation_id=allocation_id, proposal_id=proposal.id, amount_minor=amount,
                currency=allocation["currency"], purpose=f"{proposal.title}: {option}", now=now,
                option=option)
            rows.append({"budget_allocation_id": str(allocation_id), "option": option,
                         "amount": amount})
    return {"enacted": True, "currency": allocation["currency"], "amount": fund["amount"],
            "allocations": rows}


async def enact_passed(conn: Conn, *, proposal_id: int,
                       now: datetime) -> tuple[str, dict[str, Any] | None]:
    """(new status, effect) for a proposal that has just passed. A motion that can no
    longer be applied (the charter moved on, a rule was already repealed) leaves the
    proposal `passed` with the reason in its effect; nothing of it is kept."""
    try:
        async with conn.transaction():  # a savepoint: a failed effect leaves no trace
            effect = await enact(conn, proposal_id=proposal_id, now=now)
    except CommonholdError as exc:
        return "passed", {"enacted": False, "error": exc.message}
    except asyncpg.IntegrityConstraintViolationError as exc:
        log.exception("enacting proposal %s broke a constraint", proposal_id)
        return "passed", {"enacted": False, "error": f"the database refused the effect ({exc})"}
    return ("passed", None) if effect is None else ("enacted", effect)
