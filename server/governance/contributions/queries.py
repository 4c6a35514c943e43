"""SQL for pledges, contributions and the fund's derived balance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.governance.contributions")


@dataclass(frozen=True, slots=True)
class Pledge:
    id: int
    account_id: int
    username: str
    amount_minor: int
    currency: str
    period: str
    active: bool
    created_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class Contribution:
    id: int
    account_id: int | None
    username: str | None
    pledge_id: int | None
    amount_minor: int
    currency: str
    note: str
    corrects_id: int | None
    recorded_by: str
    recorded_at: datetime


async def insert_pledge(conn: Conn, *, pledge_id: int, account_id: int, amount_minor: int,
                        currency: str, period: str, now: datetime) -> None:
    await conn.execute(Q["insert_pledge"], pledge_id, account_id, amount_minor, currency,
                       period, now)


async def get_pledge(conn: Conn, *, pledge_id: int) -> Pledge | None:
    row = await conn.fetchrow(Q["get_pledge"], pledge_id)
    return Pledge(**dict(row)) if row else None


async def end_pledge(conn: Conn, *, pledge_id: int, account_id: int, now: datetime) -> bool:
    return await conn.fetchval(Q["end_pledge"], pledge_id, account_id, now) is not None


async def list_pledges(conn: Conn) -> list[Pledge]:
    return [Pledge(**dict(r)) for r in await conn.fetch(Q["list_pledges"])]


async def insert_contribution(conn: Conn, *, account_id: int | None, pledge_id: int | None,
                              amount_minor: int, currency: str, note: str,
                              corrects_id: int | None, recorded_by_account_id: int,
                              now: datetime) -> int:
    return int(await conn.fetchval(Q["insert_contribution"], account_id, pledge_id,
                                   amount_minor, currency, note, corrects_id,
                                   recorded_by_account_id, now))


async def get_contribution(conn: Conn, *, contribution_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_contribution"], contribution_id)
    return dict(row) if row else None


async def lock_contribution(conn: Conn, *, contribution_id: int) -> None:
    await conn.execute(Q["lock_contribution"], contribution_id)


async def list_contributions(conn: Conn) -> list[Contribution]:
    return [Contribution(**dict(r)) for r in await conn.fetch(Q["list_contributions"])]


async def list_balances(conn: Conn) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_balances"])]


async def list_allocations(conn: Conn) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_allocations"])]
