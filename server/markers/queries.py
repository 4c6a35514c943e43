"""SQL for read markers (where a member stopped reading home and notifications)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.markers")


async def list_markers(conn: Conn, *, account_id: int, timelines: list[str]) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_markers"], account_id, timelines)]


async def save_marker(conn: Conn, *, account_id: int, timeline: str, last_read_id: int,
                      now: datetime) -> None:
    await conn.execute(Q["save_marker"], account_id, timeline, last_read_id, now)
