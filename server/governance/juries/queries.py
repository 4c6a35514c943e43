"""SQL for jury draws, their frozen pools, seats and declines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.governance.juries")


@dataclass(frozen=True, slots=True)
class Draw:
    id: int
    purpose: str
    state: str
    charter_version: int
    params: dict[str, Any]
    pool_hash: str
    commitment: str
    secret: str
    term_days: int
    draw_at: datetime
    created_by: str | None
    committed_at: datetime
    commit_log_seq: int
    drawn_at: datetime | None
    log_head_seq: int | None
    log_head_hash: str | None
    seed: str | None
    reveal_log_seq: int | None
    term_ends_at: datetime | None
    dissolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class PoolMember:
    member_id: str
    account_id: int
    username: str
    stratum: str | None


@dataclass(frozen=True, slots=True)
class Seat:
    account_id: int
    member_id: str
    username: str
    position: int
    source: str
    status: str
    offered_at: datetime
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Decline:
    seq: int
    member_id: str
    replacement_id: str | None
    declined_at: datetime
    log_seq: int


async def insert_draw(conn: Conn, *, draw_id: int, purpose: str, charter_version: int,
                      params: dict[str, Any], pool_hash: str, commitment: str, secret: str,
                      term_days: int, draw_at: datetime, created_by_account_id: int | None,
                      committed_at: datetime, commit_log_seq: int) -> None:
    await conn.execute(Q["insert_draw"], draw_id, purpose, charter_version, params, pool_hash,
                       commitment, secret, term_days, draw_at, created_by_account_id,
                       committed_at, commit_log_seq)


async def insert_pool(conn: Conn, *, draw_id: int, members: Sequence[PoolMember]) -> None:
    await conn.execute(Q["insert_pool"], draw_id, [m.member_id for m in members],
                       [m.account_id for m in members], [m.stratum for m in members])


async def get_draw(conn: Conn, *, draw_id: int) -> Draw | None:
    row = await conn.fetchrow(Q["get_draw"], draw_id)
    return Draw(**dict(row)) if row else None


async def lock_draw(conn: Conn, *, draw_id: int) -> bool:
    return await conn.fetchval(Q["lock_draw"], draw_id) is not None


async def list_draws(conn: Conn, *, limit: int) -> list[Draw]:
    return [Draw(**dict(r)) for r in await conn.fetch(Q["list_draws"], limit)]


async def list_pool(conn: Conn, *, draw_id: int) -> list[PoolMember]:
    return [PoolMember(**dict(r)) for r in await conn.fetch(Q["list_pool"], draw_id)]


async def update_draw_drawn(conn: Conn, *, draw_id: int, drawn_at: datetime, log_head_seq: int,
                            log_head_hash: str, seed: str, reveal_log_seq: int,
                            term_ends_at: datetime) -> None:
    await conn.execute(Q["update_draw_drawn"], draw_id, drawn_at, log_head_seq, log_head_hash,
                       seed, reveal_log_seq, term_ends_at)


async def update_draw_dissolved(conn: Conn, *, draw_id: int, now: datetime) -> None:
    await conn.execute(Q["update_draw_dissolved"], draw_id, now)


async def insert_seat(conn: Conn, *, draw_id: int, account_id: int, member_id: str,
                      position: int, source: str, offered_at: datetime) -> None:
    await conn.execute(Q["insert_seat"], draw_id, account_id, member_id, position, source,
                       offered_at)


async def list_seats(conn: Conn, *, draw_id: int) -> list[Seat]:
    return [Seat(**dict(r)) for r in await conn.fetch(Q["list_seats"], draw_id)]


async def update_seat_answer(conn: Conn, *, draw_id: int, account_id: int, status: str,
                             answered_at: datetime) -> bool:
    return await conn.fetchval(Q["update_seat_answer"], draw_id, account_id, status,
                               answered_at) is not None


async def insert_decline(conn: Conn, *, draw_id: int, seq: int, member_id: str,
                         replacement_id: str | None, declined_at: datetime,
                         log_seq: int) -> None:
    await conn.execute(Q["insert_decline"], draw_id, seq, member_id, replacement_id,
                       declined_at, log_seq)


async def list_declines(conn: Conn, *, draw_id: int) -> list[Decline]:
    return [Decline(**dict(r)) for r in await conn.fetch(Q["list_declines"], draw_id)]


async def list_seats_for_account(conn: Conn, *, account_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_seats_for_account"], account_id)]


async def list_jury_decisions(conn: Conn, *, draw_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_jury_decisions"], draw_id)]
