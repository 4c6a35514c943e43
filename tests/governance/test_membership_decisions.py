"""Suspending, reinstating and expelling a member by a decision of the members: a
`membership` proposal enacted through the member register, with its log entry."""

from __future__ import annotations

from typing import Any

import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.errors import ConflictError, ValidationError
from server.governance.errors import NotAMemberError
from server.governance.log import service as log
from server.governance.members import applications
from server.governance.members import queries as members_q
from tests.governance.factories import found_coop, propose, reload, run_past_close, vote
from tests.helpers import get_form_token, sign_in

NAMES = ["ada", "bea", "cid", "dot"]


@pytest.fixture
async def coop(db: Database, config: Config, clock: FrozenClock) -> dict[str, Any]:
    return await found_coop(db, config, clock, NAMES, others=("zed",))


async def _decide(db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any],
                  action: str, account: str, voters: list[str], stance: str = "agree") -> Any:
    proposal = await propose(db, clock, coop["ada"], "membership",
                             title=f"{action} @{account}",
                             motion={"action": action, "account": account, "clause": "§6.1",
                                     "reason": "Repeated harassment after two warnings"})
    for name in voters:
        await vote(db, clock, coop[name], proposal, stance)
    await run_past_close(clock, worker, proposal)
    return await reload(db, proposal)


async def _status(db: Database, name: str, coop: dict[str, Any]) -> str:
    async with db.acquire() as conn:
        member = await members_q.get_member(conn, account_id=coop[name].account_id)
    assert member is not None
    return member.status


async def test_members_suspend_reinstate_and_expel_by_decision(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    suspended = await _decide(db, clock, worker, coop, "suspend", "dot", ["ada", "bea", "cid"])
    assert suspended.secret_ballot and suspended.status == "enacted"
    assert suspended.effect == {"account_id": str(coop["dot"].account_id), "username": "dot",
                                "action": "suspend", "status": "suspended", "clause": "§6.1"}
    assert await _status(db, "dot", coop) == "suspended"
    async with db.acquire() as conn:
        [entry] = [e async for e in log.iter_entries(conn) if e["kind"] == "member.suspended"]
    assert entry["body"] == {"account_id": str(coop["dot"].account_id), "username": "dot",
                             "clause": "§6.1", "by": f"proposal:{suspended.id}",
                             "reason": "Repeated harassment after two warnings"}
    later = await propose(db, clock, coop["ada"], title="Anything")
    with pytest.raises(NotAMemberError):
        await vote(db, clock, coop["dot"], later, "agree")

    reinstated = await _decide(db, clock, worker, coop, "reinstate", "dot", ["ada", "bea"])
    assert reinstated.status == "enacted" and await _status(db, "dot", coop) == "active"

    expelled = await _decide(db, clock, worker, coop, "expel", "dot", ["ada", "bea", "cid"])
    assert expelled.status == "enacted" and await _status(db, "dot", coop) == "expelled"
    async with db.acquire() as conn:
        assert await members_q.get_share_holding(conn, account_id=coop["dot"].account_id) == 0
        last = [e["kind"] async for e in log.iter_entries(conn)][-2:]
    assert last == ["member.expelled", "proposal.closed"]
    async with db.transaction() as conn:
        with pytest.raises(ConflictError, match="expelled"):
            await applications.apply(conn, account_id=coop["dot"].account_id,
                                     statement="Let me back in", member_class=None,
                                     now=clock.now())


async def test_a_failed_or_malformed_membership_motion_changes_nothing(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    failed = await _decide(db, clock, worker, coop, "suspend", "dot", ["ada", "bea", "cid"],
                           stance="disagree")
    assert failed.status == "failed" and failed.effect is None
    assert await _status(db, "dot", coop) == "active"
    for motion, message in [
            ({"action": "reinstate", "account": "dot", "clause": "§6.1", "reason": "x"},
             "only a member who is suspended"),
            ({"action": "suspend", "account": "zed", "clause": "§6.1", "reason": "x"},
             "is not a member"),
            ({"action": "suspend", "account": "dot", "clause": "§99", "reason": "x"},
             "must cite a clause"),
            ({"action": "banish", "account": "dot", "clause": "§6.1", "reason": "x"},
             "action must be one of"),
            ({"action": "suspend", "account": "dot", "clause": "§6.1"}, "needs 'reason'")]:
        with pytest.raises(ValidationError, match=message):
            await propose(db, clock, coop["ada"], "membership", motion=motion)


async def test_membership_decision_through_the_form(
        client: Any, db: Database, clock: FrozenClock, coop: dict[str, Any]) -> None:
    await sign_in(client, "ada")
    page = await (await client.get("/proposals/new?kind=membership")).text()
    assert "expel the member" in page and "§2.6" in page
    assert "?kind=jury_decision" not in page and "?kind=admission" not in page
    token = await get_form_token(client, "/proposals/new?kind=membership")
    resp = await client.post("/proposals", allow_redirects=False, data={
        "csrf_token": token, "kind": "membership", "title": "Suspend @dot",
        "action": "suspend", "account": "dot", "clause": "§6.1", "reason": "Harassment"})
    assert resp.status == 303, await resp.text()
    detail = await (await client.get(resp.headers["Location"])).text()
    assert "Membership decision by @ada" in detail and "Secret ballot" in detail
