"""A cooperative of 25 members decides: quorum missed, a budget passed and enacted, a
charter amendment that needs its supermajority, and the amended charter governing the
proposals opened after it."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from typing import Any

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.governance.charter import service as charter
from server.governance.rules import queries as rules_q
from tests.governance.factories import found_coop, propose, reload, run_past_close, vote

NAMES = ["ada"] + [f"member{n:02d}" for n in range(1, 25)]


def _amended(text: str, quorum: str) -> str:
    general = text.index("[proposals.general]")
    before, after = text[:general], text[general:]
    assert 'quorum = "25%"' in after
    return before + after.replace('quorum = "25%"', f'quorum = "{quorum}"', 1)


async def test_twenty_five_members_decide_and_amend_their_charter(
        db: Database, config: Config, clock: FrozenClock, worker: Any) -> None:
    users = await found_coop(db, config, clock, NAMES)
    members = [users[n] for n in NAMES]
    async with db.acquire() as conn:
        founding_text = (await charter.get_charter_in_force(conn)).text

    # Quorum not reached: 25% of 25 needs 7 voters; 6 vote, one of them changes their mind.
    small = await propose(db, clock, members[0], title="Move to a new host")
    assert small.status == "open" and small.rules and small.rules["quorum"] == "25%"
    for m in members[:6]:
        await vote(db, clock, m, small, "agree")
    changed = await vote(db, clock, members[5], small, "disagree", "too expensive")
    assert changed["changed"] is True
    await run_past_close(clock, worker, small)
    small = await reload(db, small)
    assert (small.status, small.outcome) == ("failed", "quorum_not_reached")
    assert small.tally and small.tally["counts"] == {"agree": 5, "abstain": 0, "disagree": 1,
                                                     "block": 0}
    assert small.effect is None

    # Quorum reached: a budget passes and its allocation is recorded in the same close.
    budget = await propose(db, clock, members[1], "budget", title="Pay for backups",
                           motion={"amount": 12000, "currency": "eur", "purpose": "Backups"})
    for m in members[:8]:
        await vote(db, clock, m, budget, "agree")
    await vote(db, clock, members[8], budget, "disagree")
    await run_past_close(clock, worker, budget)
    budget = await reload(db, budget)
    assert budget.status == "enacted" and budget.outcome == "passed"
    async with db.acquire() as conn:
        [allocation] = await rules_q.list_budget_allocations(conn)
    assert (allocation["amount_minor"], allocation["currency"]) == (12000, "EUR")

    # A charter amendment (raise the general quorum to 50%) without its two-thirds fails...
    motion = {"text": _amended(founding_text, "50%"), "summary": "Raise the quorum"}
    weak = await propose(db, clock, members[0], "charter_amendment", motion=motion,
                         title="Raise the general quorum")
    for m in members[:7]:
        await vote(db, clock, m, weak, "agree")
    for m in members[7:12]:
        await vote(db, clock, m, weak, "disagree")
    await run_past_close(clock, worker, weak)
    weak = await reload(db, weak)
    assert (weak.status, weak.outcome) == ("failed", "threshold_not_met")
    async with db.acquire() as conn:
        assert (await charter.get_charter_in_force(conn)).version == 1

    # ...and with exactly two-thirds (inclusive) it passes and makes version 2.
    strong = await propose(db, clock, members[0], "charter_amendment", motion=motion,
                           title="Raise the general quorum, again")
    # A general proposal opened while the amendment runs keeps the rules it opened with.
    clock.advance(timedelta(days=10))
    during = await propose(db, clock, members[2], title="Opened under version 1")
    for m in members[:8]:
        await vote(db, clock, m, strong, "agree")
        await vote(db, clock, m, during, "agree")
    for m in members[8:12]:
        await vote(db, clock, m, strong, "disagree")
    await run_past_close(clock, worker, strong)
    strong = await reload(db, strong)
    assert strong.status == "enacted" and strong.effect == {"charter_version": 2}
    async with db.acquire() as conn:
        in_force = await charter.get_charter_in_force(conn)
    assert in_force.version == 2 and in_force.proposal_id == strong.id
    assert in_force.parameters_for("general").rules.quorum == Fraction(1, 2)

    await run_past_close(clock, worker, during)
    during = await reload(db, during)
    assert during.charter_version == 1 and during.status == "passed"

    # The next proposal is governed by version 2: the same 8 agrees no longer make quorum.
    after = await propose(db, clock, members[3], title="Opened under version 2")
    assert after.charter_version == 2 and after.rules and after.rules["quorum"] == "50%"
    for m in members[:8]:
        await vote(db, clock, m, after, "agree")
    await run_past_close(clock, worker, after)
    after = await reload(db, after)
    assert (after.status, after.outcome) == ("failed", "quorum_not_reached")
