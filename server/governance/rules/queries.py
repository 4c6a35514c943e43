"""SQL for what adopted proposals put in force: moderation rules, domain policies and
budget allocations. The moderation work reads the first two to enforce them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.governance.rules")


async def insert_moderation_rule(conn: Conn, *, rule_id: int, clause: str, rule: dict[str, Any],
                                 description: str, proposal_id: int, now: datetime) -> None:
    await conn.execute(Q["insert_moderation_rule"], rule_id, clause, rule, description,
                       proposal_id, now)


async def deactivate_moderation_rule(conn: Conn, *, rule_id: int) -> bool:
    return await conn.fetchval(Q["deactivate_moderation_rule"], rule_id) is not None


async def list_active_moderation_rules(conn: Conn) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_active_moderation_rules"])]


async def lift_domain_policy(conn: Conn, *, domain: str, now: datetime,
                             proposal_id: int) -> int | None:
    return await conn.fetchval(Q["lift_domain_policy"], domain, now, proposal_id)


async def insert_domain_policy(conn: Conn, *, policy_id: int, domain: str, policy: str,
                               reason: str, clause: str, proposal_id: int, now: datetime) -> None:
    await conn.execute(Q["insert_domain_policy"], policy_id, domain, policy, reason, clause,
                       proposal_id, now)


async def list_active_domain_policies(conn: Conn) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_active_domain_policies"])]


async def insert_budget_allocation(conn: Conn, *, allocation_id: int, proposal_id: int,
                                   amount_minor: int, currency: str, purpose: str,
                                   now: datetime, option: str | None = None) -> None:
    await conn.execute(Q["insert_budget_allocation"], allocation_id, proposal_id, amount_minor,
                       currency, purpose, now, option)


async def list_budget_allocations(conn: Conn) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_budget_allocations"])]
