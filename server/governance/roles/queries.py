"""SQL for roles: instance roles live in users.role, governance roles in their own table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.db import Conn, load_queries

Q = load_queries("server.governance.roles")


@dataclass(frozen=True, slots=True)
class RoleHolder:
    account_id: int
    username: str
    role: str
    granted_at: datetime | None


async def get_instance_role(conn: Conn, *, account_id: int) -> str | None:
    return await conn.fetchval(Q["get_instance_role"], account_id)


async def set_instance_role(conn: Conn, *, account_id: int, role: str) -> None:
    await conn.execute(Q["set_instance_role"], account_id, role)


async def has_governance_role(conn: Conn, *, account_id: int, role: str) -> bool:
    return bool(await conn.fetchval(Q["has_governance_role"], account_id, role))


async def insert_governance_role(conn: Conn, *, account_id: int, role: str, granted_at: datetime,
                                 proposal_id: int | None) -> bool:
    return await conn.fetchval(Q["insert_governance_role"], account_id, role, granted_at,
                               proposal_id) is not None


async def delete_governance_role(conn: Conn, *, account_id: int, role: str) -> bool:
    return await conn.fetchval(Q["delete_governance_role"], account_id, role) is not None


async def list_role_holders(conn: Conn) -> list[RoleHolder]:
    return [RoleHolder(**dict(r)) for r in await conn.fetch(Q["list_role_holders"])]
