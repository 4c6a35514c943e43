"""SQL for browser sessions and rate-limit counters."""

from __future__ import annotations

from datetime import datetime

from server.db import Conn, load_queries

Q = load_queries("server.web")


async def insert_session(conn: Conn, *, token_hash: bytes, user_id: int, now: datetime,
                         expires_at: datetime, ip: str | None, user_agent: str) -> None:
    await conn.execute(Q["insert_session"], token_hash, user_id, now, expires_at, ip, user_agent)


async def get_session_user(conn: Conn, *, token_hash: bytes, now: datetime) -> int | None:
    return await conn.fetchval(Q["get_session_user"], token_hash, now)


async def delete_session(conn: Conn, *, token_hash: bytes) -> None:
    await conn.execute(Q["delete_session"], token_hash)


async def delete_other_sessions(conn: Conn, *, user_id: int, keep: bytes) -> None:
    await conn.execute(Q["delete_other_sessions"], user_id, keep)


async def hit_rate_limit(conn: Conn, *, bucket: str, window_start: datetime) -> int:
    return int(await conn.fetchval(Q["hit_rate_limit"], bucket, window_start))


async def get_rate_limit_hits(conn: Conn, *, bucket: str, window_start: datetime) -> int:
    return int(await conn.fetchval(Q["get_rate_limit_hits"], bucket, window_start))


async def clear_rate_limit(conn: Conn, *, bucket: str, window_start: datetime) -> None:
    await conn.execute(Q["clear_rate_limit"], bucket, window_start)


async def purge_rate_limits(conn: Conn, *, cutoff: datetime) -> None:
    await conn.execute(Q["purge_rate_limits"], cutoff)
