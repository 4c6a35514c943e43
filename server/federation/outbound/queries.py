"""SQL for outbound federation: who receives an activity, row locks that keep the order of
what is queued, and polls for Question documents."""

from __future__ import annotations

from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.federation.outbound")


async def lock_live_status(conn: Conn, *, status_id: int) -> bool:
    return await conn.fetchval(Q["lock_live_status"], status_id) is not None


async def lock_follow_request(conn: Conn, *, account_id: int, target_id: int) -> bool:
    return await conn.fetchval(Q["lock_follow_request"], account_id, target_id) is not None


async def lock_follow(conn: Conn, *, account_id: int, target_id: int) -> bool:
    return await conn.fetchval(Q["lock_follow"], account_id, target_id) is not None


async def lock_favourite(conn: Conn, *, uri: str) -> bool:
    return await conn.fetchval(Q["lock_favourite"], uri) is not None


async def lock_block(conn: Conn, *, account_id: int, target_id: int) -> bool:
    return await conn.fetchval(Q["lock_block"], account_id, target_id) is not None


async def list_preferred_inboxes(conn: Conn, *, account_ids: list[int]) -> list[str]:
    return [r["inbox"] for r in await conn.fetch(Q["list_preferred_inboxes"], account_ids)]


async def list_reblogger_ids(conn: Conn, *, status_id: int) -> list[int]:
    return [r["account_id"] for r in await conn.fetch(Q["list_reblogger_ids"], status_id)]


async def list_status_polls(conn: Conn, *, status_ids: list[int]) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_status_polls"], status_ids)]


async def list_named_account_ids(conn: Conn, *, status_id: int, quoted: bool) -> list[int]:
    return [r[0] for r in await conn.fetch(Q["list_named_account_ids"], status_id, quoted)]
