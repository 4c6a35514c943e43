"""SQL for lists. Besides what the lists API needs, two functions are for other areas:

- `list_ids_containing(conn, author_id=...)`: every list an author is on, with its owner,
  replies policy and exclusivity (the fan-out of a new status: list timelines and streams).
- `list_member_ids(conn, list_id=...)`: the accounts whose posts make up a list timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.lists")


@dataclass(frozen=True, slots=True)
class ListRow:
    id: int
    account_id: int
    title: str
    replies_policy: str
    exclusive: bool


@dataclass(frozen=True, slots=True)
class ListMembership:
    list_id: int
    owner_id: int
    replies_policy: str
    exclusive: bool


def _row(row: Any) -> ListRow | None:
    return ListRow(**dict(row)) if row else None


async def list_lists(conn: Conn, *, account_id: int) -> list[ListRow]:
    return [ListRow(**dict(r)) for r in await conn.fetch(Q["list_lists"], account_id)]


async def get_list(conn: Conn, *, list_id: int, account_id: int) -> ListRow | None:
    return _row(await conn.fetchrow(Q["get_list"], list_id, account_id))


async def insert_list(conn: Conn, *, list_id: int, account_id: int, title: str,
                      replies_policy: str, exclusive: bool, now: datetime) -> ListRow:
    row = await conn.fetchrow(Q["insert_list"], list_id, account_id, title, replies_policy,
                              exclusive, now)
    return ListRow(**dict(row))


async def update_list(conn: Conn, *, list_id: int, account_id: int, title: str,
                      replies_policy: str, exclusive: bool) -> ListRow | None:
    return _row(await conn.fetchrow(Q["update_list"], list_id, account_id, title,
                                    replies_policy, exclusive))


async def delete_list(conn: Conn, *, list_id: int, account_id: int) -> bool:
    return await conn.fetchval(Q["delete_list"], list_id, account_id) is not None


async def page_list_accounts(conn: Conn, *, list_id: int, max_id: int | None,
                             since_id: int | None, min_id: int | None,
                             limit: int) -> list[dict[str, Any]]:
    rows = [dict(r) for r in await conn.fetch(Q["page_list_accounts"], list_id, max_id,
                                              since_id, min_id, limit)]
    return rows[::-1] if min_id is not None else rows


async def add_list_accounts(conn: Conn, *, list_id: int, owner_id: int, account_ids: list[int],
                            row_ids: list[int]) -> list[int]:
    """Adds the followed ones; returns the ids that are not followed (nothing is added
    then, as the caller rolls back)."""
    rows = await conn.fetch(Q["add_list_accounts"], list_id, owner_id, account_ids, row_ids)
    return [r["account_id"] for r in rows]


async def remove_list_accounts(conn: Conn, *, list_id: int, account_ids: list[int]) -> None:
    await conn.execute(Q["remove_list_accounts"], list_id, account_ids)


async def lists_with_account(conn: Conn, *, owner_id: int, account_id: int) -> list[ListRow]:
    return [ListRow(**dict(r))
            for r in await conn.fetch(Q["lists_with_account"], owner_id, account_id)]


async def list_ids_containing(conn: Conn, *, author_id: int) -> list[ListMembership]:
    return [ListMembership(**dict(r))
            for r in await conn.fetch(Q["list_ids_containing"], author_id)]


async def list_member_ids(conn: Conn, *, list_id: int) -> list[int]:
    return [r["account_id"] for r in await conn.fetch(Q["list_member_ids"], list_id)]


async def remove_from_owner_lists(conn: Conn, *, owner_id: int, account_id: int) -> None:
    await conn.execute(Q["remove_from_owner_lists"], owner_id, account_id)


async def list_timeline(conn: Conn, *, list_id: int, owner_id: int, max_id: int | None,
                        since_id: int | None, min_id: int | None, limit: int,
                        now: datetime) -> list[int]:
    """Status ids of a list's timeline, newest first (a min_id page is read upwards from
    min_id, then shown newest first, as Mastodon does)."""
    if min_id is not None:
        rows = await conn.fetch(Q["list_timeline_after"], list_id, owner_id, min_id, max_id,
                                limit, now)
        return [r["id"] for r in reversed(rows)]
    rows = await conn.fetch(Q["list_timeline"], list_id, owner_id, max_id, since_id, limit, now)
    return [r["id"] for r in rows]


async def owns_list(conn: Conn, *, list_id: int, account_id: int) -> bool:
    return bool(await conn.fetchval(Q["owns_list"], list_id, account_id))
