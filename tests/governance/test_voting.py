"""Voting rules at the point of voting: blocks need reasons, consensus kinds fail on a
block, secret ballots, the electorate, closed proposals, unknown options."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.errors import ValidationError
from server.governance.errors import NotAMemberError, ProposalClosedError
from server.governance.members import service as members
from server.governance.proposals import queries, views
from server.governance.roles import service as roles
from server.governance.rules import queries as rules_q
from tests.governance.factories import found_coop, propose, reload, run_past_close, vote

FOUNDERS = ["ada", "bea", "cid", "dot", "eve"]
RULE = {"clause": "§6.3", "rule": {"type": "content", "match": "keyword",
                                    "pattern": "cheap pills", "action": "reject"}}


@pytest.fixture
async def coop(db: Database, config: Config, clock: FrozenClock) -> dict[str, Any]:
    return await found_coop(db, config, clock, FOUNDERS, others=("cy",))


async def test_block_without_reason_is_refused_and_nothing_is_stored(
        db: Database, clock: FrozenClock, coop: dict[str, Any]) -> None:
    proposal = await propose(db, clock, coop["ada"])
    with pytest.raises(ValidationError) as err:
        await vote(db, clock, coop["bea"], proposal, "block", "   ")
    assert err.value.message == "A block must give its reason."
    async with db.acquire() as conn:
        assert await queries.count_ballots(conn, proposal_id=proposal.id) == 0
        assert await queries.list_participants(conn, proposal_id=proposal.id) == []


async def test_block_with_reason_fails_a_consensus_kind_proposal(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    # The founding charter decides moderation rules by consent: a block fails them.
    proposal = await propose(db, clock, coop["ada"], "moderation_rule", motion=RULE,
                             title="Reject pill spam")
    assert proposal.rules and proposal.rules["block_policy"] == "fails"
    for name in ("ada", "bea", "cid", "dot"):
        await vote(db, clock, coop[name], proposal, "agree")
    await vote(db, clock, coop["eve"], proposal, "block", "The keyword also hits health posts")
    await run_past_close(clock, worker, proposal)
    proposal = await reload(db, proposal)
    assert (proposal.status, proposal.outcome) == ("failed", "blocked")
    async with db.acquire() as conn:
        assert await rules_q.list_active_moderation_rules(conn) == []


async def test_moderation_rule_without_block_is_adopted_citing_its_clause(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    proposal = await propose(db, clock, coop["ada"], "moderation_rule", motion=RULE,
                             title="Reject pill spam")
    for name in ("ada", "bea", "cid"):
        await vote(db, clock, coop[name], proposal, "agree")
    await run_past_close(clock, worker, proposal)
    async with db.acquire() as conn:
        [rule] = await rules_q.list_active_moderation_rules(conn)
    assert rule["clause"] == "§6.3" and rule["proposal_id"] == proposal.id
    assert rule["rule"]["pattern"] == "cheap pills"


async def test_secret_ballot_keeps_one_changeable_ballot_per_member_apart_from_the_voter(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    motion = {"account": "bea", "role": "treasurer", "action": "grant"}
    election = await propose(db, clock, coop["ada"], "appointment", motion=motion,
                             title="Bea as treasurer")
    assert election.secret_ballot and election.results_hidden
    await vote(db, clock, coop["ada"], election, "disagree")
    again = await vote(db, clock, coop["ada"], election, "agree")
    assert again["changed"] is True
    await vote(db, clock, coop["cid"], election, "agree")
    async with db.acquire() as conn:
        rows = await conn.fetch("SELECT ballot_key, account_id, cast_at, choice "
                                "FROM proposal_ballots WHERE proposal_id = $1", election.id)
        view = await views.get_view(conn, proposal_id=election.id,
                                    viewer_account_id=coop["ada"].account_id, now=clock.now())
    assert len(rows) == 2                      # ada voted twice: still one ballot
    assert all(r["account_id"] is None and r["cast_at"] is None for r in rows)
    assert all(str(coop["ada"].account_id) not in r["ballot_key"] for r in rows)
    assert [p["username"] for p in view.participants] == ["ada", "cid"]
    assert view.tally is None and view.named_ballots is None      # hidden until close
    assert view.my_ballot == {"choice": "agree", "reason": ""}

    await run_past_close(clock, worker, election)
    election = await reload(db, election)
    assert election.status == "enacted" and election.tally["counts"]["agree"] == 2
    async with db.acquire() as conn:
        assert await queries.get_ballot_secret(conn, proposal_id=election.id) is None
        assert await roles.has_role(conn, account_id=coop["bea"].account_id, role="treasurer")
        # No ballot can change once the proposal is closed, not even from SQL.
        with pytest.raises(asyncpg.IntegrityConstraintViolationError):
            await conn.execute("UPDATE proposal_ballots SET choice = '\"disagree\"' "
                               "WHERE proposal_id = $1", election.id)


async def test_voting_needs_membership_at_opening_time(
        db: Database, clock: FrozenClock, coop: dict[str, Any]) -> None:
    proposal = await propose(db, clock, coop["ada"])
    with pytest.raises(NotAMemberError):
        await vote(db, clock, coop["cy"], proposal, "agree")
    async with db.transaction() as conn:
        await members.admit(conn, account_id=coop["cy"].account_id, member_class=None,
                            now=clock.now(), by="cli")
    with pytest.raises(NotAMemberError) as err:
        await vote(db, clock, coop["cy"], proposal, "agree")
    assert "when this proposal opened" in err.value.message


async def test_vote_after_close_is_rejected(db: Database, clock: FrozenClock, worker: Any,
                                            coop: dict[str, Any]) -> None:
    proposal = await propose(db, clock, coop["ada"])
    await vote(db, clock, coop["bea"], proposal, "agree")
    await run_past_close(clock, worker, proposal)
    with pytest.raises(ProposalClosedError):
        await vote(db, clock, coop["bea"], proposal, "disagree")
    assert (await reload(db, proposal)).tally["counts"]["agree"] == 1


@pytest.mark.parametrize(("kind", "motion", "choice"), [
    ("general", None, "maybe"),
    ("general", None, ["agree"]),
    ("poll", {"method": "single_choice", "options": ["Tuesday", "Friday"]}, "Sunday"),
    ("poll", {"method": "ranked_choice", "options": ["a", "b", "c"]}, ["a", "a"]),
    ("poll", {"method": "dot_vote", "options": ["a", "b"], "dots_per_voter": 3}, {"a": 4}),
])
async def test_unknown_or_malformed_choice_is_refused(
        db: Database, clock: FrozenClock, coop: dict[str, Any], kind: str, motion: Any,
        choice: Any) -> None:
    proposal = await propose(db, clock, coop["ada"], kind, motion=motion)
    with pytest.raises(ValidationError):
        await vote(db, clock, coop["bea"], proposal, choice)
    async with db.acquire() as conn:
        assert await queries.count_ballots(conn, proposal_id=proposal.id) == 0


async def test_dot_vote_poll_splits_a_fund_among_options(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    motion = {"method": "dot_vote", "options": ["servers", "moderators", "art"],
              "dots_per_voter": 10, "fund": {"amount": 100000, "currency": "EUR"}}
    poll = await propose(db, clock, coop["ada"], "poll", motion=motion, title="Split the fund")
    await vote(db, clock, coop["ada"], poll, {"servers": 6, "moderators": 4})
    await vote(db, clock, coop["bea"], poll, {"moderators": 10})
    await vote(db, clock, coop["cid"], poll, {"servers": 2, "art": 8})
    await run_past_close(clock, worker, poll)
    poll = await reload(db, poll)
    assert poll.status == "closed" and poll.tally["winners"] == ["moderators"]
    assert poll.tally["allocation"] == {
        "currency": "EUR", "amounts": {"servers": 26667, "moderators": 46667, "art": 26666}}


async def test_ranked_choice_poll_names_the_runoff_winner(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    poll = await propose(db, clock, coop["ada"], "poll", title="Name the server",
                         motion={"method": "ranked_choice", "options": ["Oak", "Elm", "Ash"]})
    for name, ranking in [("ada", ["Oak", "Elm"]), ("bea", ["Oak"]), ("cid", ["Elm", "Oak"]),
                          ("dot", ["Ash", "Elm"]), ("eve", ["Elm"])]:
        await vote(db, clock, coop[name], poll, ranking)
    await run_past_close(clock, worker, poll)
    tally = (await reload(db, poll)).tally
    assert tally["method"] == "instant_runoff" and tally["winner"] == "Elm"
