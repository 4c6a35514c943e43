"""The contributions ledger: pledges by members, contributions recorded by the treasurer or
an admin and never edited, corrections as new rows, and a balance that is always derived
from contributions less allocations (budget proposals and dot votes on the fund)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.errors import ConflictError, ForbiddenError, ValidationError
from server.governance.contributions import service
from server.governance.errors import NotAMemberError
from server.governance.rules import queries as rules_q
from tests.governance.factories import found_coop, propose, reload, run_past_close, vote
from tests.helpers import get_form_token, sign_in

NAMES = ["ada", "bea", "cid", "dot", "eve"]


@pytest.fixture
async def coop(db: Database, config: Config, clock: FrozenClock) -> dict[str, Any]:
    return await found_coop(db, config, clock, NAMES, others=("rootie", "zed"),
                            admins=("rootie",))


async def _appoint_treasurer(db: Database, clock: FrozenClock, worker: Any,
                             coop: dict[str, Any], name: str) -> None:
    proposal = await propose(db, clock, coop["ada"], "appointment", title="A treasurer",
                             motion={"account": name, "role": "treasurer", "action": "grant"})
    for voter in NAMES[:3]:
        await vote(db, clock, coop[voter], proposal, "agree")
    await run_past_close(clock, worker, proposal)
    assert (await reload(db, proposal)).status == "enacted"


async def _record(db: Database, clock: FrozenClock, by: Any, contributor: str | None,
                  amount: Any, currency: str = "EUR", **more: Any) -> int:
    async with db.transaction() as conn:
        return await service.record_contribution(
            conn, by_account_id=by.account_id, contributor=contributor, amount=amount,
            currency=currency, now=clock.now(), **more)


async def _correct(db: Database, clock: FrozenClock, by: Any, row: int, amount: Any,
                   note: str) -> int:
    async with db.transaction() as conn:
        return await service.correct_contribution(
            conn, by_account_id=by.account_id, contribution_id=row, amount=amount, note=note,
            now=clock.now())


async def _balances(db: Database) -> dict[str, int]:
    async with db.acquire() as conn:
        return await service.balances(conn)


async def test_only_the_treasurer_or_an_admin_records_contributions(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    async with db.transaction() as conn:
        pledge = await service.make_pledge(conn, account_id=coop["ada"].account_id,
                                           amount="1500", currency="eur", period="monthly",
                                           now=clock.now())
        with pytest.raises(NotAMemberError):
            await service.make_pledge(conn, account_id=coop["zed"].account_id, amount=100,
                                      currency="EUR", period="once", now=clock.now())
        with pytest.raises(ValidationError, match="period"):
            await service.make_pledge(conn, account_id=coop["ada"].account_id, amount=100,
                                      currency="EUR", period="weekly", now=clock.now())
    assert (pledge.amount_minor, pledge.currency, pledge.active) == (1500, "EUR", True)
    with pytest.raises(ForbiddenError, match="treasurer or an admin"):
        await _record(db, clock, coop["bea"], "ada", 1500)

    await _appoint_treasurer(db, clock, worker, coop, "bea")
    await _record(db, clock, coop["bea"], "ada", 1500, pledge_id=str(pledge.id))
    await _record(db, clock, coop["rootie"], None, 500, note="a donation at the fair")
    with pytest.raises(ForbiddenError):
        await _record(db, clock, coop["cid"], "cid", 100)
    with pytest.raises(ValidationError, match="not one of the contributor's"):
        await _record(db, clock, coop["bea"], "cid", 100, pledge_id=str(pledge.id))
    with pytest.raises(ValidationError, match="positive whole number"):
        await _record(db, clock, coop["bea"], "ada", -5)
    async with db.acquire() as conn:
        ledger = await service.get_ledger(conn, viewer_account_id=coop["cid"].account_id)
        with pytest.raises(NotAMemberError):
            await service.get_ledger(conn, viewer_account_id=coop["zed"].account_id)
    assert [(c.username, c.amount_minor, c.recorded_by, c.pledge_id)
            for c in ledger.contributions] == [("ada", 1500, "bea", pledge.id),
                                               (None, 500, "rootie", None)]
    assert await _balances(db) == {"EUR": 2000}


async def test_contributions_are_append_only_and_the_balance_is_derived(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    admin = coop["rootie"]
    first = await _record(db, clock, admin, "ada", 5000)
    await _record(db, clock, admin, "bea", 3000)
    await _record(db, clock, admin, None, 700, currency="usd")
    assert await _balances(db) == {"EUR": 8000, "USD": 700}
    for sql in ("UPDATE contributions SET amount_minor = 1 WHERE id = $1",
                "DELETE FROM contributions WHERE id = $1"):
        async with db.transaction() as conn:
            with pytest.raises(asyncpg.IntegrityConstraintViolationError, match="append-only"):
                await conn.execute(sql, first)

    budget = await propose(db, clock, coop["ada"], "budget", title="Backups",
                           motion={"amount": 2000, "currency": "EUR", "purpose": "Backups"})
    for voter in NAMES[:3]:
        await vote(db, clock, coop[voter], budget, "agree")
    await run_past_close(clock, worker, budget)
    assert (await reload(db, budget)).status == "enacted"
    assert await _balances(db) == {"EUR": 6000, "USD": 700}

    correction = await _correct(db, clock, admin, first, "-1000", "counted twice")
    assert await _balances(db) == {"EUR": 5000, "USD": 700}
    with pytest.raises(ValidationError, match="must say why"):
        await _correct(db, clock, admin, first, -10, "  ")
    with pytest.raises(ValidationError, match="below zero"):
        await _correct(db, clock, admin, first, -4001, "too much")
    with pytest.raises(ConflictError, match="not a correction of it"):
        await _correct(db, clock, admin, correction, 10, "again")
    with pytest.raises(ForbiddenError):
        await _correct(db, clock, coop["ada"], first, -10, "mine")
    async with db.acquire() as conn:
        ledger = await service.get_ledger(conn, viewer_account_id=coop["ada"].account_id)
    rows = {c.id: c for c in ledger.contributions}
    assert rows[first].amount_minor == 5000                 # the original is untouched
    assert (rows[correction].amount_minor, rows[correction].corrects_id,
            rows[correction].note) == (-1000, first, "counted twice")
    assert [(b["currency"], b["contributed"], b["allocated"], b["balance"])
            for b in ledger.balances] == [("EUR", 7000, 2000, 5000), ("USD", 700, 0, 700)]


async def test_a_dot_vote_on_the_fund_allocates_exactly_the_amount(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    await _record(db, clock, coop["rootie"], "ada", 20000)
    motion = {"method": "dot_vote", "options": ["servers", "moderators", "art"],
              "dots_per_voter": 10, "fund": {"amount": 10001, "currency": "EUR"}}
    poll = await propose(db, clock, coop["ada"], "poll", motion=motion, title="Split the fund")
    await vote(db, clock, coop["ada"], poll, {"servers": 5, "moderators": 5})
    await vote(db, clock, coop["bea"], poll, {"moderators": 3, "art": 3})
    await vote(db, clock, coop["cid"], poll, {"servers": 1, "art": 1})
    await run_past_close(clock, worker, poll)
    poll = await reload(db, poll)
    async with db.acquire() as conn:
        rows = [r for r in await rules_q.list_budget_allocations(conn)
                if r["proposal_id"] == poll.id]
    assert poll.tally is not None and poll.effect is not None and poll.effect["enacted"]
    amounts = {r["option"]: r["amount_minor"] for r in rows}
    assert amounts == poll.tally["allocation"]["amounts"]
    assert sum(amounts.values()) == 10001 and set(amounts) == {"servers", "moderators", "art"}
    assert {r["currency"] for r in rows} == {"EUR"}
    assert await _balances(db) == {"EUR": 20000 - 10001}

    # Too few took part for the budget quorum (25% of 5 members): nothing is allocated.
    thin = await propose(db, clock, coop["ada"], "poll", motion=motion, title="Split again")
    await vote(db, clock, coop["ada"], thin, {"art": 10})
    await run_past_close(clock, worker, thin)
    thin = await reload(db, thin)
    assert thin.status == "closed" and thin.effect is not None
    assert thin.effect["enacted"] is False and "quorum" in thin.effect["error"]
    assert await _balances(db) == {"EUR": 20000 - 10001}


async def test_ledger_pages_and_json_are_for_members(
        client: Any, db: Database, clock: FrozenClock, coop: dict[str, Any]) -> None:
    resp = await client.get("/api/v1/governance/ledger")
    assert resp.status == 403
    await sign_in(client, "ada")
    token = await get_form_token(client, "/members/contributions")
    resp = await client.post("/members/pledges", allow_redirects=False, data={
        "csrf_token": token, "amount": "1200", "currency": "EUR", "period": "yearly"})
    assert resp.status == 303
    resp = await client.post("/api/v1/governance/ledger/contributions",
                             headers={"X-CSRF-Token": token},
                             json={"contributor": "ada", "amount": 1200, "currency": "EUR"})
    assert resp.status == 403
    page = await (await client.get("/members/contributions")).text()
    assert "1200 EUR" in page and "yearly" in page and "Record money received" not in page

    await sign_in(client, "rootie")
    token = await get_form_token(client, "/proposals/new")
    resp = await client.post("/api/v1/governance/ledger/contributions",
                             headers={"X-CSRF-Token": token},
                             json={"contributor": "ada", "amount": 1200, "currency": "EUR"})
    assert resp.status == 201, await resp.text()
    await sign_in(client, "ada")
    ledger = await (await client.get("/api/v1/governance/ledger")).json()
    assert ledger["balances"] == [{"currency": "EUR", "contributed": 1200, "allocated": 0,
                                   "balance": 1200}]
    assert [(p["member"], p["amount"], p["period"]) for p in ledger["pledges"]] == [
        ("ada", 1200, "yearly")]
    assert ledger["contributions"][0]["recorded_by"] == "rootie"
