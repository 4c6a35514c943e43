"""Membership: applications in each admission mode, leaving, suspension under a clause,
and the share ledger that is never edited."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.errors import ConflictError, ForbiddenError, ValidationError
from server.governance.errors import NotAMemberError
from server.governance.log import service as log
from server.governance.members import applications, service
from server.governance.members import queries as members_q
from server.governance.proposals import service as proposals
from tests.governance.factories import found_coop, propose, reload, run_past_close, vote

STATEMENT = "I run the choir's account and accept the charter."


async def _apply(db: Database, clock: FrozenClock, user: Any, member_class: str | None = None
                 ) -> Any:
    async with db.transaction() as conn:
        return await applications.apply(conn, account_id=user.account_id, statement=STATEMENT,
                                        member_class=member_class, now=clock.now())


async def _status(db: Database, user: Any) -> str | None:
    async with db.acquire() as conn:
        member = await service.get_member(conn, account_id=user.account_id)
    return member.status if member else None


async def test_role_mode_application_waits_for_the_admitting_role(
        db: Database, config: Config, clock: FrozenClock) -> None:
    users = await found_coop(db, config, clock, ["ada", "bea"], others=("cy", "rootie"),
                             admins=("rootie",))
    application = await _apply(db, clock, users["cy"], "worker")
    assert application.status == "pending" and await _status(db, users["cy"]) is None
    async with db.transaction() as conn:
        with pytest.raises(ForbiddenError):       # a member without the membership role
            await applications.approve(conn, application_id=application.id,
                                       by_account_id=users["bea"].account_id, now=clock.now())
    async with db.transaction() as conn:
        member = await applications.approve(conn, application_id=application.id,
                                            by_account_id=users["rootie"].account_id,
                                            now=clock.now())
        with pytest.raises(ConflictError):
            await applications.approve(conn, application_id=application.id,
                                       by_account_id=users["rootie"].account_id, now=clock.now())
    assert (member.status, member.member_class) == ("active", "worker")
    async with db.acquire() as conn:
        assert await members_q.get_share_holding(conn, account_id=users["cy"].account_id) == 1
        last = (await log.list_recent(conn, limit=1))[0]
    assert last["kind"] == "member.admitted" and last["body"]["by"] == "role:rootie"


async def test_automatic_mode_admits_at_once(db: Database, config: Config,
                                             clock: FrozenClock) -> None:
    users = await found_coop(db, config, clock, ["ada"], others=("cy",),
                             admission_mode="automatic")
    application = await _apply(db, clock, users["cy"])
    assert application.status == "approved" and await _status(db, users["cy"]) == "active"
    with pytest.raises(ConflictError):
        await _apply(db, clock, users["cy"])


async def test_proposal_mode_lets_the_members_decide(db: Database, config: Config,
                                                     clock: FrozenClock, worker: Any) -> None:
    users = await found_coop(db, config, clock, ["ada", "bea"], others=("cy", "dee"),
                             admission_mode="proposal")
    welcome = await _apply(db, clock, users["cy"])
    refused = await _apply(db, clock, users["dee"])
    assert welcome.proposal_id and refused.proposal_id
    async with db.acquire() as conn:
        proposal = await proposals.get_proposal(
            conn, proposal_id=welcome.proposal_id)
        other = await proposals.get_proposal(
            conn, proposal_id=refused.proposal_id)
    assert proposal.kind == "admission" and proposal.status == "open"
    await vote(db, clock, users["ada"], proposal, "agree")
    await vote(db, clock, users["ada"], other, "disagree")
    await run_past_close(clock, worker, proposal)
    assert (await reload(db, proposal)).status == "enacted"
    assert await _status(db, users["cy"]) == "active"
    assert await _status(db, users["dee"]) is None
    async with db.acquire() as conn:
        assert (await members_q.get_application(conn, application_id=refused.id)).status == \
            "rejected"


async def test_leaving_redeems_the_share_and_the_ledger_is_never_edited(
        db: Database, config: Config, clock: FrozenClock) -> None:
    users = await found_coop(db, config, clock, ["ada", "bea"])
    async with db.transaction() as conn:
        await service.leave(conn, account_id=users["bea"].account_id, now=clock.now(),
                            reason="moving on")
    async with db.acquire() as conn:
        ledger = await service.list_ledger(conn, viewer_account_id=users["ada"].account_id)
        assert [(r.username, r.movement) for r in ledger] == [
            ("ada", "issue"), ("bea", "issue"), ("bea", "redeem")]
        assert await members_q.get_share_holding(conn, account_id=users["bea"].account_id) == 0
        with pytest.raises(NotAMemberError):      # the ledger is for members
            await service.list_ledger(conn, viewer_account_id=users["bea"].account_id)
        for statement in ("UPDATE share_ledger SET shares = 5", "DELETE FROM share_ledger"):
            with pytest.raises(asyncpg.IntegrityConstraintViolationError):
                await conn.execute(statement)
    # Someone who left may apply and be admitted again, with a new share.
    async with db.transaction() as conn:
        await service.admit(conn, account_id=users["bea"].account_id, member_class=None,
                            now=clock.now(), by="cli")
        assert await members_q.get_share_holding(conn, account_id=users["bea"].account_id) == 1


async def test_suspension_needs_an_admin_a_clause_and_a_reason(
        db: Database, config: Config, clock: FrozenClock) -> None:
    users = await found_coop(db, config, clock, ["ada", "bea", "rootie"], admins=("rootie",))
    bea, root = users["bea"].account_id, users["rootie"].account_id
    async with db.transaction() as conn:
        with pytest.raises(ForbiddenError):
            await service.suspend(conn, account_id=bea, clause="§6.1", reason="threats",
                                  by_account_id=users["ada"].account_id, now=clock.now())
        with pytest.raises(ValidationError):
            await service.suspend(conn, account_id=bea, clause="§42", reason="threats",
                                  by_account_id=root, now=clock.now())
        with pytest.raises(ValidationError):
            await service.suspend(conn, account_id=bea, clause="§6.1", reason=" ",
                                  by_account_id=root, now=clock.now())
        await service.suspend(conn, account_id=bea, clause="§6.1", reason="Repeated threats",
                              by_account_id=root, now=clock.now())
        entry = (await log.list_recent(conn, limit=1))[0]
    assert entry["kind"] == "member.suspended"
    assert entry["body"]["clause"] == "§6.1" and entry["body"]["by"] == "admin:rootie"
    proposal = await propose(db, clock, users["ada"])
    with pytest.raises(NotAMemberError):
        await vote(db, clock, users["bea"], proposal, "agree")
    async with db.transaction() as conn:
        await service.reinstate(conn, account_id=bea, clause="§9.1", reason="Appeal upheld",
                                by_account_id=root, now=clock.now())
    assert await _status(db, users["bea"]) == "active"
