"""SQL for charter versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.governance.charter")


@dataclass(frozen=True, slots=True)
class CharterRow:
    version: int
    text: str
    parameters: dict[str, Any]
    proposal_id: int | None
    adopted_at: datetime
    log_seq: int


def _row(row: Any) -> CharterRow | None:
    return CharterRow(**dict(row)) if row else None


async def get_charter_in_force(conn: Conn) -> CharterRow | None:
    return _row(await conn.fetchrow(Q["get_charter_in_force"]))


async def get_charter_version(conn: Conn, *, version: int) -> CharterRow | None:
    return _row(await conn.fetchrow(Q["get_charter_version"], version))


async def list_charter_versions(conn: Conn) -> list[CharterRow]:
    return [CharterRow(**dict(r)) for r in await conn.fetch(Q["list_charter_versions"])]


async def lock_charter_versions(conn: Conn) -> None:
    await conn.execute(Q["lock_charter_versions"])


async def insert_charter_version(conn: Conn, *, version: int, text: str,
                                 parameters: dict[str, Any], proposal_id: int | None,
                                 adopted_at: datetime, log_seq: int) -> None:
    await conn.execute(Q["insert_charter_version"], version, text, parameters, proposal_id,
                       adopted_at, log_seq)


async def get_passed_amendment(conn: Conn, *, proposal_id: int) -> dict[str, Any] | None:
    return await conn.fetchval(Q["get_passed_amendment"], proposal_id)
