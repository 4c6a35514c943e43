"""SQL for reports filed by members."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.reports")


async def insert_local_report(conn: Conn, *, report_id: int, reporter_id: int, target_id: int,
                              status_ids: list[int], status_uris: list[str], comment: str,
                              category: str, rule_ids: list[str], forward: bool,
                              now: datetime) -> dict[str, Any]:
    row = await conn.fetchrow(Q["insert_local_report"], report_id, reporter_id, target_id,
                              status_ids, status_uris, comment, category, rule_ids, forward, now)
    assert row is not None
    return dict(row)


async def list_statuses_of_account(conn: Conn, *, account_id: int,
                                   status_ids: list[int]) -> list[tuple[int, str]]:
    rows = await conn.fetch(Q["list_statuses_of_account"], account_id, status_ids)
    return [(r["id"], r["uri"]) for r in rows]


async def list_staff_account_ids(conn: Conn) -> list[int]:
    return [r["account_id"] for r in await conn.fetch(Q["list_staff_account_ids"])]


async def take_report_to_forward(conn: Conn, *, report_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["take_report_to_forward"], report_id)
    return dict(row) if row else None
