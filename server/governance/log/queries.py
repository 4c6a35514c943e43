"""SQL for the decision log."""

from __future__ import annotations

from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.governance.log")


async def lock_log_for_append(conn: Conn) -> None:
    await conn.execute(Q["lock_log_for_append"])


async def get_log_head(conn: Conn) -> tuple[int, str] | None:
    row = await conn.fetchrow(Q["get_log_head"])
    return (int(row["seq"]), str(row["hash"])) if row else None


async def insert_log_entry(conn: Conn, entry: dict[str, Any]) -> None:
    await conn.execute(Q["insert_log_entry"], entry["seq"], entry["prev_hash"], entry["kind"],
                       entry["recorded_at"], entry["body"], entry["hash"])


async def list_log_entries(conn: Conn, *, after_seq: int, limit: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_log_entries"], after_seq, limit)]


async def list_log_entries_desc(conn: Conn, *, before_seq: int, limit: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_log_entries_desc"], before_seq, limit)]
