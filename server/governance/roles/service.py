"""Roles: who holds what, and granting or revoking one (only by an adopted appointment).

Admin and moderator are the instance roles kept in `users.role` (a local account holds at
most one of them); every other role named by the charter is a governance role.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.db import Conn
from server.errors import ValidationError
from server.governance.charter.parameters import INSTANCE_ROLES
from server.governance.log import service as log
from server.governance.roles import queries
from server.governance.roles.queries import RoleHolder


async def has_role(conn: Conn, *, account_id: int, role: str) -> bool:
    if role in INSTANCE_ROLES:
        return await queries.get_instance_role(conn, account_id=account_id) == role
    return await queries.has_governance_role(conn, account_id=account_id, role=role)


async def is_admin(conn: Conn, *, account_id: int) -> bool:
    return await has_role(conn, account_id=account_id, role="admin")


async def list_holders(conn: Conn) -> list[RoleHolder]:
    return await queries.list_role_holders(conn)


async def _set_instance_role(conn: Conn, *, account_id: int, role: str, grant: bool) -> bool:
    current = await queries.get_instance_role(conn, account_id=account_id)
    if current is None:
        raise ValidationError("Admin and moderator roles can only be held by local accounts.")
    if grant:
        # An admin appointed moderator stays admin: granting must never take power away.
        if current == role or current == "admin":
            return False
        await queries.set_instance_role(conn, account_id=account_id, role=role)
        return True
    if current != role:
        return False
    await queries.set_instance_role(conn, account_id=account_id, role="user")
    return True


async def change_role(conn: Conn, *, account_id: int, username: str, role: str, grant: bool,
                      proposal_id: int, now: datetime) -> dict[str, Any]:
    """Grant or revoke a role as an adopted appointment says, and log it. Returns the effect;
    `changed` is false when the account already was (or was not) holding the role."""
    if role in INSTANCE_ROLES:
        changed = await _set_instance_role(conn, account_id=account_id, role=role, grant=grant)
    elif grant:
        changed = await queries.insert_governance_role(conn, account_id=account_id, role=role,
                                                       granted_at=now, proposal_id=proposal_id)
    else:
        changed = await queries.delete_governance_role(conn, account_id=account_id, role=role)
    effect = {"account_id": str(account_id), "username": username, "role": role,
              "action": "grant" if grant else "revoke", "changed": changed,
              "proposal_id": str(proposal_id)}
    if changed:
        await log.append_entry(conn, kind="role.granted" if grant else "role.revoked",
                               body=effect, now=now)
    return effect
