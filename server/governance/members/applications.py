"""Membership applications, decided as the charter's admission mode says:

    automatic  the application admits the applicant at once;
    role       it waits for a member holding the charter's admitting role (or an admin);
    proposal   it opens an `admission` proposal, and the members decide.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.db import Conn
from server.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from server.governance.charter import service as charter
from server.governance.members import queries, service
from server.governance.members.queries import Application, Member
from server.governance.roles import service as roles
from server.ids import new_id

STATEMENT_MAX = 5_000


async def apply(conn: Conn, *, account_id: int, statement: Any, member_class: str | None,
                now: datetime) -> Application:
    member = await service.get_member(conn, account_id=account_id)
    if member is not None and member.status != "left":
        raise ConflictError("You are already a member." if member.is_active else
                            "You were expelled by a decision of the members."
                            if member.status == "expelled" else
                            "Your membership is suspended; appeal the suspension instead.")
    if not isinstance(statement, str) or not statement.strip():
        raise ValidationError("Say in a few words why you want to join and that you accept "
                              "the charter.", field="statement")
    if len(statement) > STATEMENT_MAX:
        raise ValidationError(f"The statement can be at most {STATEMENT_MAX} characters.",
                              field="statement")
    chosen = await service.check_member_class(conn, member_class or None)
    application_id = new_id()
    if not await queries.insert_application(conn, application_id=application_id,
                                            account_id=account_id, member_class=chosen,
                                            statement=statement.strip(), now=now):
        raise ConflictError("You already have an application waiting for a decision.")
    mode = (await charter.get_charter_in_force(conn)).parameters.membership.admission_mode
    if mode == "automatic":
        await _decide(conn, application_id, "approved", None, now)
        await service.admit(conn, account_id=account_id, member_class=chosen, now=now,
                            by="automatic")
    elif mode == "proposal":
        await _open_admission_proposal(conn, application_id, account_id, now)
    return await _get(conn, application_id)


async def _open_admission_proposal(conn: Conn, application_id: int, account_id: int,
                                   now: datetime) -> None:
    from server.governance.proposals import service as proposals  # proposals import members

    applicant = await service.get_account(conn, account_id=account_id)
    proposal = await proposals.create_proposal(
        conn, author_account_id=account_id, kind="admission", require_member=False,
        title=f"Admit @{applicant.username} as a member",
        body=(await _get(conn, application_id)).statement,
        motion={"application_id": str(application_id)}, now=now)
    await queries.set_application_proposal(conn, application_id=application_id,
                                           proposal_id=proposal.id)


async def _get(conn: Conn, application_id: int) -> Application:
    application = await queries.get_application(conn, application_id=application_id)
    if application is None:
        raise NotFoundError("There is no such application.")
    return application


async def _decide(conn: Conn, application_id: int, status: str, by_account_id: int | None,
                  now: datetime) -> None:
    if not await queries.decide_application(conn, application_id=application_id, status=status,
                                            now=now, by_account_id=by_account_id):
        raise ConflictError("This application has already been decided.")


async def can_decide(conn: Conn, *, account_id: int | None) -> bool:
    """Admins, and active members holding the charter's admitting role."""
    if account_id is None:
        return False
    if await roles.is_admin(conn, account_id=account_id):
        return True
    role = (await charter.get_charter_in_force(conn)).parameters.membership.admitting_role
    member = await service.get_member(conn, account_id=account_id)
    return bool(member and member.is_active
                and await roles.has_role(conn, account_id=account_id, role=role))


async def _check_role_mode(conn: Conn, by_account_id: int) -> None:
    mode = (await charter.get_charter_in_force(conn)).parameters.membership.admission_mode
    if mode != "role":
        raise ConflictError(f"The charter decides applications by {mode} admission, not by a "
                            "role.")
    if not await can_decide(conn, account_id=by_account_id):
        raise ForbiddenError("Only the members holding the admitting role named in the charter "
                             "can decide applications.")


async def approve(conn: Conn, *, application_id: int, by_account_id: int,
                  now: datetime) -> Member:
    await _check_role_mode(conn, by_account_id)
    application = await _get(conn, application_id)
    await _decide(conn, application_id, "approved", by_account_id, now)
    by = await service.get_account(conn, account_id=by_account_id)
    return await service.admit(conn, account_id=application.account_id,
                               member_class=application.member_class, now=now,
                               by=f"role:{by.username}")


async def reject(conn: Conn, *, application_id: int, by_account_id: int,
                 now: datetime) -> Application:
    await _check_role_mode(conn, by_account_id)
    await _decide(conn, application_id, "rejected", by_account_id, now)
    return await _get(conn, application_id)


async def admit_by_proposal(conn: Conn, *, application_id: int, proposal_id: int,
                            now: datetime) -> dict[str, Any]:
    """The effect of an adopted admission proposal (called by proposals.enact only)."""
    application = await _get(conn, application_id)
    await _decide(conn, application_id, "approved", None, now)
    member = await service.admit(conn, account_id=application.account_id,
                                 member_class=application.member_class, now=now,
                                 by=f"proposal:{proposal_id}")
    return {"account_id": str(member.account_id), "username": member.username,
            "member_class": member.member_class}


async def reject_by_proposal(conn: Conn, *, application_id: int, now: datetime) -> None:
    """An admission proposal failed: its application is rejected (unless decided since)."""
    await queries.decide_application(conn, application_id=application_id, status="rejected",
                                     now=now, by_account_id=None)


async def list_pending(conn: Conn, *, viewer_account_id: int | None) -> list[Application]:
    """Pending applications: visible to members and to those who decide them."""
    if not await can_decide(conn, account_id=viewer_account_id):
        await service.require_active_member(conn, account_id=viewer_account_id)
    return await queries.list_pending_applications(conn)


async def pending_for(conn: Conn, *, account_id: int) -> Application | None:
    return await queries.get_pending_application_for_account(conn, account_id=account_id)
