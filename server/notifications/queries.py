"""SQL for notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.notifications")


async def insert_notification(conn: Conn, *, notification_id: int, account_id: int,
                              from_account_id: int, type_: str, status_id: int | None,
                              now: datetime) -> int | None:
    return await conn.fetchval(Q["insert_notification"], notification_id, account_id,
                               from_account_id, type_, status_id, now)


async def delete_notifications_about(conn: Conn, *, account_id: int, from_account_id: int,
                                     type_: str, status_id: int | None) -> None:
    await conn.execute(Q["delete_notifications_about"], account_id, from_account_id, type_, status_id)


async def list_notifications_for(conn: Conn, *, account_id: int, limit: int = 40) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_notifications_for"], account_id, limit)]
