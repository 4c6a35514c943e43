"""What passed proposals put in force: roles granted and revoked, domain policies adopted and
lifted, a repealed moderation rule, and a stale amendment that cannot be applied."""

from __future__ import annotations

from typing import Any

import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.governance.charter import service as charter
from server.governance.log import service as log
from server.governance.roles import queries as roles_q
from server.governance.rules import queries as rules_q
from tests.governance.factories import found_coop, propose, reload, run_past_close, vote


@pytest.fixture
async def coop(db: Database, config: Config, clock: FrozenClock) -> dict[str, Any]:
    return await found_coop(db, config, clock, ["ada", "bea"])


async def _pass(db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any],
                kind: str, motion: Any) -> Any:
    proposal = await propose(db, clock, coop["ada"], kind, motion=motion, title=kind)
    await vote(db, clock, coop["ada"], proposal, "agree")
    await vote(db, clock, coop["bea"], proposal, "agree")
    await run_past_close(clock, worker, proposal)
    return await reload(db, proposal)


async def test_appointments_grant_and_revoke_instance_roles(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    bea = coop["bea"].account_id
    granted = await _pass(db, clock, worker, coop, "appointment",
                          {"account": "bea", "role": "moderator", "action": "grant"})
    assert granted.status == "enacted" and granted.effect["changed"] is True
    async with db.acquire() as conn:
        assert await roles_q.get_instance_role(conn, account_id=bea) == "moderator"
    revoked = await _pass(db, clock, worker, coop, "appointment",
                          {"account": "bea", "role": "moderator", "action": "revoke"})
    assert revoked.status == "enacted"
    async with db.acquire() as conn:
        assert await roles_q.get_instance_role(conn, account_id=bea) == "user"
        kinds = [e["kind"] async for e in log.iter_entries(conn)]
    assert kinds.count("role.granted") == 1 and kinds.count("role.revoked") == 1


async def test_domain_policy_is_adopted_then_lifted(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    motion = {"domain": "Spam.Example", "policy": "suspend", "reason": "Spam waves",
              "clause": "§10.2"}
    adopted = await _pass(db, clock, worker, coop, "domain_policy", motion)
    async with db.acquire() as conn:
        [policy] = await rules_q.list_active_domain_policies(conn)
    assert (policy["domain"], policy["policy"], policy["clause"]) == (
        "spam.example", "suspend", "§10.2")
    assert policy["proposal_id"] == adopted.id
    lifted = await _pass(db, clock, worker, coop, "domain_policy", {**motion, "policy": "lift",
                                                                   "reason": "They cleaned up"})
    assert lifted.effect["replaced_policy_id"] == str(policy["id"])
    async with db.acquire() as conn:
        assert await rules_q.list_active_domain_policies(conn) == []


async def test_repealing_a_rule_that_is_not_in_force_passes_without_effect(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    repeal = await _pass(db, clock, worker, coop, "moderation_rule",
                         {"action": "repeal", "rule_id": "123", "clause": "§7.3"})
    assert repeal.status == "passed" and repeal.effect == {
        "enacted": False, "error": "Moderation rule 123 is not in force."}


async def test_an_amendment_overtaken_by_another_is_not_applied(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    async with db.acquire() as conn:
        text = (await charter.get_charter_in_force(conn)).text
    first = await propose(db, clock, coop["ada"], "charter_amendment",
                          motion={"text": text.replace("Openness", "Open doors")})
    second = await propose(db, clock, coop["bea"], "charter_amendment",
                           motion={"text": text.replace("Openness", "Open arms")})
    for proposal in (first, second):
        await vote(db, clock, coop["ada"], proposal, "agree")
        await vote(db, clock, coop["bea"], proposal, "agree")
    await run_past_close(clock, worker, second)
    first, second = await reload(db, first), await reload(db, second)
    statuses = sorted([(first.status, first.id), (second.status, second.id)])
    assert [s for s, _ in statuses] == ["enacted", "passed"]
    stale = first if first.status == "passed" else second
    assert "written against version 1, but version 2 is now in force" in stale.effect["error"]
    async with db.acquire() as conn:
        assert (await charter.get_charter_in_force(conn)).version == 2
