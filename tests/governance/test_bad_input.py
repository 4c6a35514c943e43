"""Malformed motions, and enacting or amending outside a passed proposal: each is a clear
error and nothing partial is stored."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.errors import ConflictError, ValidationError
from server.governance.charter import service as charter
from server.governance.proposals import enact
from tests.governance.factories import found_coop, propose, run_past_close

COUNTS = ("SELECT (SELECT count(*) FROM proposals), (SELECT count(*) FROM decision_log), "
          "(SELECT count(*) FROM jobs)")


@pytest.fixture
async def coop(db: Database, config: Config, clock: FrozenClock) -> dict[str, Any]:
    return await found_coop(db, config, clock, ["ada", "bea"], others=("cy",))


@pytest.mark.parametrize(("kind", "motion", "message"), [
    ("general", {"amount": 5}, "carries no motion"),
    ("referendum", None, "Unknown proposal kind"),
    ("budget", {"amount": -5, "currency": "EUR", "purpose": "x"}, "amount"),
    ("budget", {"amount": 500, "currency": "euros", "purpose": "x"}, "three-letter"),
    ("budget", {"amount": 500, "currency": "EUR"}, "needs 'purpose'"),
    ("budget", "500 EUR", "must be a JSON object"),
    ("domain_policy", {"domain": "bad.example", "policy": "nuke", "reason": "r",
                       "clause": "§10.2"}, "policy must be one of"),
    ("domain_policy", {"domain": "not a domain", "policy": "suspend", "reason": "r",
                       "clause": "§10.2"}, "not a domain name"),
    ("domain_policy", {"domain": "bad.example", "policy": "suspend", "reason": "r",
                       "clause": "§99"}, "must cite a clause"),
    ("moderation_rule", {"clause": "§6.3", "rule": {"type": "content", "match": "regex",
                         "pattern": "(", "action": "reject"}}, "not a valid regular expression"),
    ("moderation_rule", {"clause": "§6.3", "rule": {"type": "vibes"}}, "'content' or 'account'"),
    ("appointment", {"account": "bea", "role": "king", "action": "grant"}, "role must be one"),
    ("appointment", {"account": "cy", "role": "treasurer", "action": "grant"}, "active members"),
    ("appointment", {"account": "nobody", "role": "treasurer", "action": "grant"},
     "No local account"),
    ("charter_amendment", {"text": "# Too short\n\nNo clauses."}, "no numbered clauses"),
    ("charter_amendment", {"text": "## §1 One\n\nText."}, "exactly one"),
    ("charter_amendment", {"text": "x", "base_version": 7}, "written against version 7"),
    ("poll", {"method": "single_choice", "options": ["only one"]}, "2 to 20 options"),
    ("poll", {"method": "coin_toss", "options": ["a", "b"]}, "method must be one of"),
    ("admission", {"application_id": "12345"}, "pending membership application"),
])
async def test_malformed_motion_is_refused_and_nothing_is_stored(
        db: Database, clock: FrozenClock, coop: dict[str, Any], kind: str, motion: Any,
        message: str) -> None:
    async with db.acquire() as conn:
        before = tuple(await conn.fetchrow(COUNTS))
    with pytest.raises(ValidationError) as err:
        await propose(db, clock, coop["ada"], kind, motion=motion)
    assert message in err.value.message
    async with db.acquire() as conn:
        assert tuple(await conn.fetchrow(COUNTS)) == before


async def test_amendment_with_a_broken_parameter_block_is_refused(
        db: Database, clock: FrozenClock, coop: dict[str, Any]) -> None:
    async with db.acquire() as conn:
        text = (await charter.get_charter_in_force(conn)).text
    broken = text.replace('quorum = "40%"', 'quorum = "140%"', 1)
    with pytest.raises(ValidationError) as err:
        await propose(db, clock, coop["ada"], "charter_amendment", motion={"text": broken})
    assert "[proposals.charter_amendment]" in err.value.message and "quorum" in err.value.message


async def test_the_charter_cannot_be_amended_outside_a_passed_proposal(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    async with db.acquire() as conn:
        text = (await charter.get_charter_in_force(conn)).text
    motion = {"text": text.replace("We federate with the whole fediverse by default.",
                                   "We federate with nobody.")}
    proposal = await propose(db, clock, coop["ada"], "charter_amendment", motion=motion)
    async with db.transaction() as conn:
        with pytest.raises(ConflictError):
            await enact.enact(conn, proposal_id=proposal.id, now=clock.now())
        with pytest.raises(ConflictError):
            await charter.adopt_amendment(conn, proposal_id=proposal.id, now=clock.now())
    async with db.acquire() as conn:
        # Not even SQL can add a version that no passed amendment stands behind.
        with pytest.raises(asyncpg.IntegrityConstraintViolationError):
            await conn.execute(
                "INSERT INTO charter_versions (version, text, parameters, proposal_id, "
                "adopted_at, log_seq) VALUES (2, 'x', '{}', $1, now(), 1)", proposal.id)
    await run_past_close(clock, worker, proposal)       # nobody voted: it fails
    async with db.transaction() as conn:
        with pytest.raises(ConflictError):
            await enact.enact(conn, proposal_id=proposal.id, now=clock.now())
        assert (await charter.get_charter_in_force(conn)).version == 1
