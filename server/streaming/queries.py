"""SQL for the streaming hub."""

from __future__ import annotations

from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.streaming")


async def notify_stream(conn: Conn, *, channel: str, payload: str) -> None:
    await conn.execute(Q["notify_stream"], channel, payload)


async def list_home_recipients(conn: Conn, *, status_id: int, account_ids: list[int]) -> set[int]:
    rows = await conn.fetch(Q["list_home_recipients"], status_id, account_ids)
    return {r["account_id"] for r in rows}


async def get_stream_facts(conn: Conn, *, status_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_stream_facts"], status_id)
    return dict(row) if row else None


async def list_direct_participants(conn: Conn, *, status_id: int) -> list[int]:
    return sorted(r["account_id"] for r in await conn.fetch(Q["list_direct_participants"],
                                                            status_id))
