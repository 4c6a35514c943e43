"""SQL for the inbox handlers' own bookkeeping: out-of-order markers and account moves."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from server.accounts.queries import Account
from server.db import Conn, load_queries

Q = load_queries("server.federation.activitypub.inbox")


async def remember_tombstone(conn: Conn, *, uri: str, actor_uri: str, now: datetime) -> None:
    await conn.execute(Q["remember_tombstone"], uri, actor_uri, now)


async def has_tombstone(conn: Conn, *, uri: str, actor_uri: str, since: datetime) -> bool:
    return bool(await conn.fetchval(Q["has_tombstone"], uri, actor_uri, since))


@dataclass(frozen=True, slots=True)
class PostArrival:
    tombstoned: bool
    stored: bool
    author: Account | None


_ACCOUNT_FIELDS = tuple(f.name for f in fields(Account))


async def get_post_arrival(conn: Conn, *, uri: str, actor_uri: str, since: datetime,
                           author_uri: str) -> PostArrival:
    row = await conn.fetchrow(Q["get_post_arrival"], uri, actor_uri, since, author_uri)
    assert row is not None
    author = Account(**{f: row[f] for f in _ACCOUNT_FIELDS}) if row["id"] is not None else None
    return PostArrival(bool(row["tombstoned"]), bool(row["stored"]), author)


async def delete_old_tombstones(conn: Conn, *, before: datetime) -> None:
    await conn.execute(Q["delete_old_tombstones"], before)


async def set_moved_to(conn: Conn, *, account_id: int, moved_to_account_id: int,
                       now: datetime) -> None:
    await conn.execute(Q["set_moved_to"], account_id, moved_to_account_id, now)


async def commit_without_flush(conn: Conn) -> None:
    await conn.execute(Q["commit_without_flush"])
