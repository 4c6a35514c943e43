"""SQL for the inbox handlers' own bookkeeping: out-of-order markers and account moves."""

from __future__ import annotations

from datetime import datetime

from server.db import Conn, load_queries

Q = load_queries("server.federation.activitypub.inbox")


async def remember_tombstone(conn: Conn, *, uri: str, actor_uri: str, now: datetime) -> None:
    await conn.execute(Q["remember_tombstone"], uri, actor_uri, now)


async def has_tombstone(conn: Conn, *, uri: str, actor_uri: str, since: datetime) -> bool:
    return bool(await conn.fetchval(Q["has_tombstone"], uri, actor_uri, since))


async def get_post_arrival(conn: Conn, *, uri: str, actor_uri: str,
                           since: datetime) -> tuple[bool, bool]:
    """(tombstoned, stored) for a post about to be created."""
    row = await conn.fetchrow(Q["get_post_arrival"], uri, actor_uri, since)
    assert row is not None
    return bool(row["tombstoned"]), bool(row["stored"])


async def delete_old_tombstones(conn: Conn, *, before: datetime) -> None:
    await conn.execute(Q["delete_old_tombstones"], before)


async def set_moved_to(conn: Conn, *, account_id: int, moved_to_account_id: int,
                       now: datetime) -> None:
    await conn.execute(Q["set_moved_to"], account_id, moved_to_account_id, now)
