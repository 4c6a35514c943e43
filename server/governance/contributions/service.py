"""The contributions ledger: members' pledges, money recorded by the treasurer, and the
common fund's balance, which is derived and never stored.

Contributions are append-only (the database refuses UPDATE and DELETE). A mistake is put
right by a correction: a new row naming the row it corrects, with a signed amount and the
reason, which may not take that row below zero. The balance per currency is the sum of
contributions (corrections included) less the sum of budget allocations (adopted budget
proposals and dot votes on the fund), computed whenever it is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn
from server.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from server.governance.contributions import queries
from server.governance.contributions.queries import Contribution, Pledge
from server.governance.members import queries as members_q
from server.governance.members import service as members
from server.governance.roles import service as roles
from server.ids import new_id

PERIODS = ("once", "monthly", "yearly")
TREASURER = "treasurer"
AMOUNT_MAX = 10**12
NOTE_MAX = 1_000
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Ledger:
    pledges: list[Pledge]
    contributions: list[Contribution]
    allocations: list[dict[str, Any]]
    balances: list[dict[str, Any]]


def _amount(value: Any, *, signed: bool = False) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    low = -AMOUNT_MAX if signed else 1
    if (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= AMOUNT_MAX
            or value == 0):
        what = "a whole number of minor units (cents), not 0" if signed else \
            "a positive whole number of minor units (cents)"
        raise ValidationError(f"The amount must be {what}.", field="amount")
    return value


def _currency(value: Any) -> str:
    currency = value.strip().upper() if isinstance(value, str) else ""
    if not _CURRENCY.match(currency):
        raise ValidationError("The currency must be a three-letter code such as EUR.",
                              field="currency")
    return currency


def _note(value: Any, *, required: bool) -> str:
    note = value.strip() if isinstance(value, str) else ""
    if required and not note:
        raise ValidationError("A correction must say why.", field="note")
    if len(note) > NOTE_MAX:
        raise ValidationError(f"The note can be at most {NOTE_MAX} characters.", field="note")
    return note


async def make_pledge(conn: Conn, *, account_id: int | None, amount: Any, currency: Any,
                      period: Any, now: datetime) -> Pledge:
    member = await members.require_active_member(conn, account_id=account_id)
    if period not in PERIODS:
        raise ValidationError(f"The period must be one of: {', '.join(PERIODS)}.",
                              field="period")
    pledge_id = new_id()
    await queries.insert_pledge(conn, pledge_id=pledge_id, account_id=member.account_id,
                                amount_minor=_amount(amount), currency=_currency(currency),
                                period=str(period), now=now)
    pledge = await queries.get_pledge(conn, pledge_id=pledge_id)
    assert pledge is not None
    return pledge


async def end_pledge(conn: Conn, *, account_id: int | None, pledge_id: int,
                     now: datetime) -> None:
    member = await members.require_active_member(conn, account_id=account_id)
    if not await queries.end_pledge(conn, pledge_id=pledge_id, account_id=member.account_id,
                                    now=now):
        raise NotFoundError("You have no active pledge with that number.")


async def can_record(conn: Conn, *, account_id: int | None) -> bool:
    """The treasurer and admins record money received (§5.4 of the founding charter)."""
    if account_id is None:
        return False
    return (await roles.is_admin(conn, account_id=account_id)
            or await roles.has_role(conn, account_id=account_id, role=TREASURER))


async def _require_recorder(conn: Conn, account_id: int | None) -> int:
    if account_id is None or not await can_record(conn, account_id=account_id):
        raise ForbiddenError("Only the treasurer or an admin records contributions.")
    return account_id


async def record_contribution(conn: Conn, *, by_account_id: int | None, contributor: Any,
                              amount: Any, currency: Any, note: Any = "",
                              pledge_id: Any = None, now: datetime) -> int:
    """Record money received from a member (by username) or, with no contributor, from
    someone outside the cooperative. Returns the new row's id."""
    recorder = await _require_recorder(conn, by_account_id)
    account_id = None
    if isinstance(contributor, str) and contributor.strip():
        account = await members_q.get_local_account_by_username(
            conn, username=contributor.strip().lstrip("@"))
        if account is None:
            raise ValidationError(f"No local account is called {contributor!r}.",
                                  field="contributor")
        account_id = account.id
    pledge = await _pledge_of(conn, pledge_id, account_id)
    return await queries.insert_contribution(
        conn, account_id=account_id, pledge_id=pledge, amount_minor=_amount(amount),
        currency=_currency(currency), note=_note(note, required=False), corrects_id=None,
        recorded_by_account_id=recorder, now=now)


async def _pledge_of(conn: Conn, pledge_id: Any, account_id: int | None) -> int | None:
    if pledge_id in (None, ""):
        return None
    text = str(pledge_id).strip()
    found = await queries.get_pledge(conn, pledge_id=int(text)) if text.isdigit() else None
    if found is None or found.account_id != account_id:
        raise ValidationError("That pledge is not one of the contributor's.", field="pledge_id")
    return found.id


async def correct_contribution(conn: Conn, *, by_account_id: int | None, contribution_id: int,
                               amount: Any, note: Any, now: datetime) -> int:
    """Add a correction row to an earlier contribution; the original is never touched."""
    recorder = await _require_recorder(conn, by_account_id)
    await queries.lock_contribution(conn, contribution_id=contribution_id)
    original = await queries.get_contribution(conn, contribution_id=contribution_id)
    if original is None:
        raise NotFoundError("There is no such contribution.")
    if original["corrects_id"] is not None:
        raise ConflictError("Correct the original contribution, not a correction of it.")
    change = _amount(amount, signed=True)
    if original["net_minor"] + change < 0:
        raise ValidationError(f"That would take contribution {contribution_id} below zero "
                              f"(it stands at {original['net_minor']}).", field="amount")
    return await queries.insert_contribution(
        conn, account_id=original["account_id"], pledge_id=None, amount_minor=change,
        currency=original["currency"], note=_note(note, required=True),
        corrects_id=contribution_id, recorded_by_account_id=recorder, now=now)


async def balances(conn: Conn) -> dict[str, int]:
    """The fund per currency: contributions less allocations, derived on every read."""
    return {row["currency"]: row["balance"] for row in await queries.list_balances(conn)}


async def get_ledger(conn: Conn, *, viewer_account_id: int | None) -> Ledger:
    """Everything on the ledger page; members only (§11.2 of the founding charter)."""
    await members.require_active_member(conn, account_id=viewer_account_id)
    return Ledger(await queries.list_pledges(conn), await queries.list_contributions(conn),
                  await queries.list_allocations(conn), await queries.list_balances(conn))
