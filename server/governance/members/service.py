"""The member register and the share ledger: admitting, leaving, suspending.

Every change of membership issues or redeems a share where it should and is written to
the decision log in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from server.accounts import queries as accounts_q
from server.db import Conn
from server.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from server.governance.charter import service as charter
from server.governance.errors import NotAMemberError
from server.governance.log import service as log
from server.governance.members import queries
from server.governance.members.queries import AccountSummary, Member, ShareMovement
from server.governance.roles import service as roles


async def get_account(conn: Conn, *, account_id: int) -> AccountSummary:
    account = await queries.get_account_summary(conn, account_id=account_id)
    if account is None:
        raise NotFoundError("There is no such account.")
    return account


async def get_local_account(conn: Conn, *, username: str) -> AccountSummary:
    account = await queries.get_local_account_by_username(conn, username=username.lstrip("@"))
    if account is None:
        raise NotFoundError(f"No local account is called {username!r}.")
    return account


async def get_account_by_acct(conn: Conn, *, acct: str) -> AccountSummary:
    """`name` (local) or `name@domain`: an account on a participating server, which this
    server must already know (it has followed, been followed, or been looked up)."""
    username, _, domain = acct.strip().lstrip("@").partition("@")
    if not domain:
        return await get_local_account(conn, username=username)
    found = await accounts_q.find_account_by_acct(conn, username=username, domain=domain)
    if found is None:
        raise NotFoundError(f"@{username}@{domain} is not known here yet; look the account up "
                            "from this server first (search or follow it).")
    return await get_account(conn, account_id=found.id)


async def get_member(conn: Conn, *, account_id: int) -> Member | None:
    return await queries.get_member(conn, account_id=account_id)


async def require_active_member(conn: Conn, *, account_id: int | None) -> Member:
    member = await queries.get_member(conn, account_id=account_id) if account_id else None
    if member is None or not member.is_active:
        raise NotAMemberError()
    return member


async def check_member_class(conn: Conn, member_class: str | None) -> str:
    """The class to use: the charter's default when none is given, else one it lists."""
    membership = (await charter.get_charter_in_force(conn)).parameters.membership
    chosen = member_class or membership.default_class
    if chosen not in membership.classes:
        raise ValidationError(f"Unknown member class {chosen!r}; the charter has: "
                              f"{', '.join(membership.classes)}.", field="member_class")
    return chosen


async def admit(conn: Conn, *, account_id: int, member_class: str | None, now: datetime,
                by: str) -> Member:
    """Admit an account as a member: register it, issue its share, log the admission.

    `by` says on what authority, for the log: "founding charter", "cli",
    "automatic", "role:<username>" or "proposal:<id>"."""
    account = await get_account(conn, account_id=account_id)
    chosen = await check_member_class(conn, member_class)
    if not await queries.upsert_admitted_member(conn, account_id=account_id, member_class=chosen,
                                                now=now):
        existing = await queries.get_member(conn, account_id=account_id)
        if existing is not None and existing.status == "expelled":
            raise ConflictError(f"@{account.username} was expelled by a decision of the "
                                "members; only another decision can change that.")
        raise ConflictError(f"@{account.username} is already a member.")
    await queries.insert_share_movement(conn, account_id=account_id, movement="issue", shares=1,
                                        reason=f"admitted ({by})", now=now)
    await log.append_entry(conn, kind="member.admitted", now=now, body={
        "account_id": str(account_id), "username": account.username,
        "domain": account.domain, "member_class": chosen, "by": by})
    member = await queries.get_member(conn, account_id=account_id)
    assert member is not None
    return member


async def leave(conn: Conn, *, account_id: int, now: datetime, reason: str = "") -> Member:
    """A member leaves: the status changes and the share is redeemed."""
    await queries.lock_member(conn, account_id=account_id)
    member = await queries.get_member(conn, account_id=account_id)
    if member is None or member.status == "left":
        raise NotAMemberError("You are not a member, so there is nothing to leave.")
    await queries.update_member_status(conn, account_id=account_id, status="left", now=now)
    if await queries.get_share_holding(conn, account_id=account_id) > 0:
        await queries.insert_share_movement(conn, account_id=account_id, movement="redeem",
                                            shares=1, reason="left", now=now)
    await log.append_entry(conn, kind="member.left", now=now, body={
        "account_id": str(account_id), "username": member.username,
        "reason": reason.strip()[:1000]})
    return await _reloaded(conn, account_id)


async def _check_authority(conn: Conn, *, clause: str, reason: str, by_account_id: int) -> None:
    """Suspension and reinstatement: an admin acting under a named clause, with a reason."""
    if not await roles.is_admin(conn, account_id=by_account_id):
        raise ForbiddenError("Only an admin acting under a clause of the charter can do that; "
                             "otherwise it takes a decision of the members.")
    parsed = (await charter.get_charter_in_force(conn)).parsed
    if clause not in parsed.clause_ids:
        raise ValidationError(f"{clause!r} is not a clause of the charter in force.",
                              field="clause")
    if not reason.strip():
        raise ValidationError("Give the reason for this action.", field="reason")


async def _change_status(conn: Conn, *, account_id: int, from_status: str, to_status: str,
                         kind: str, clause: str, reason: str, by_account_id: int,
                         now: datetime) -> Member:
    await _check_authority(conn, clause=clause, reason=reason, by_account_id=by_account_id)
    by = await get_account(conn, account_id=by_account_id)
    return await _set_status(conn, account_id=account_id, from_statuses=(from_status,),
                             to_status=to_status, kind=kind, clause=clause, reason=reason,
                             by=f"admin:{by.username}", now=now)


async def _set_status(conn: Conn, *, account_id: int, from_statuses: tuple[str, ...],
                      to_status: str, kind: str, clause: str, reason: str, by: str,
                      now: datetime) -> Member:
    await queries.lock_member(conn, account_id=account_id)
    member = await queries.get_member(conn, account_id=account_id)
    if member is None or member.status not in from_statuses:
        raise ConflictError(f"Only a member who is {' or '.join(from_statuses)} can be "
                            f"{to_status}.")
    await queries.update_member_status(conn, account_id=account_id, status=to_status, now=now)
    if to_status == "expelled" and await queries.get_share_holding(conn, account_id=account_id):
        await queries.insert_share_movement(conn, account_id=account_id, movement="redeem",
                                            shares=1, reason=f"expelled ({by})", now=now)
    await log.append_entry(conn, kind=kind, now=now, body={
        "account_id": str(account_id), "username": member.username, "clause": clause,
        "reason": reason.strip(), "by": by})
    return await _reloaded(conn, account_id)


# action -> (statuses it applies to, resulting status, decision log kind)
DECIDED_CHANGES = {
    "suspend": (("active",), "suspended", "member.suspended"),
    "reinstate": (("suspended",), "active", "member.reinstated"),
    "expel": (("active", "suspended"), "expelled", "member.expelled"),
}


async def change_status_by_decision(conn: Conn, *, account_id: int, action: str, clause: str,
                                    reason: str, proposal_id: int, now: datetime) -> Member:
    """Suspend, reinstate or expel a member as an adopted `membership` proposal says (§2.6,
    §2.7 of the founding charter). The decision itself is the authority; no role needed."""
    from_statuses, to_status, kind = DECIDED_CHANGES[action]
    return await _set_status(conn, account_id=account_id, from_statuses=from_statuses,
                             to_status=to_status, kind=kind, clause=clause, reason=reason,
                             by=f"proposal:{proposal_id}", now=now)


async def suspend(conn: Conn, *, account_id: int, clause: str, reason: str, by_account_id: int,
                  now: datetime) -> Member:
    return await _change_status(conn, account_id=account_id, from_status="active",
                                to_status="suspended", kind="member.suspended", clause=clause,
                                reason=reason, by_account_id=by_account_id, now=now)


async def reinstate(conn: Conn, *, account_id: int, clause: str, reason: str,
                    by_account_id: int, now: datetime) -> Member:
    return await _change_status(conn, account_id=account_id, from_status="suspended",
                                to_status="active", kind="member.reinstated", clause=clause,
                                reason=reason, by_account_id=by_account_id, now=now)


async def _reloaded(conn: Conn, account_id: int) -> Member:
    member = await queries.get_member(conn, account_id=account_id)
    assert member is not None
    return member


async def list_directory(conn: Conn, *, viewer_account_id: int | None) -> list[Member]:
    """The member directory; members only (§11.2 of the founding charter)."""
    await require_active_member(conn, account_id=viewer_account_id)
    return await queries.list_members(conn)


async def list_ledger(conn: Conn, *, viewer_account_id: int | None) -> list[ShareMovement]:
    await require_active_member(conn, account_id=viewer_account_id)
    return await queries.list_share_ledger(conn)


async def list_active_member_ids(conn: Conn) -> list[int]:
    return await queries.list_active_member_ids(conn)
