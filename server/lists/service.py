"""Lists as their owner manages them, for the API (/api/v1/lists) and the web pages (/lists):
the checks on a list's settings, and members who must be accounts the owner follows."""

from __future__ import annotations

from datetime import datetime

from server.db import Conn
from server.errors import NotFoundError, ValidationError
from server.ids import new_id
from server.lists import queries
from server.lists.queries import ListRow

POLICIES = ("followed", "list", "none")
TITLE_MAX = 256


def checked_settings(title: str | None, replies_policy: str | None, exclusive: bool | None,
                     current: ListRow | None) -> tuple[str, str, bool]:
    """(title, replies policy, exclusive); what is not given keeps its current value (or
    the default: replies from list members, not exclusive)."""
    if title is None and current is not None:
        title = current.title
    if not title:
        raise ValidationError("Validation failed: Title can't be blank", field="title")
    if len(title) > TITLE_MAX:
        raise ValidationError(f"Validation failed: Title is too long (maximum is {TITLE_MAX} "
                              "characters)", field="title")
    policy = replies_policy or (current.replies_policy if current else "list")
    if policy not in POLICIES:
        raise ValidationError("Validation failed: replies_policy must be followed, list or "
                              "none", field="replies_policy")
    if exclusive is None:
        exclusive = current.exclusive if current else False
    return title, policy, exclusive


async def own_list(conn: Conn, *, list_id: int, owner_id: int) -> ListRow:
    row = await queries.get_list(conn, list_id=list_id, account_id=owner_id)
    if row is None:
        raise NotFoundError("Record not found")
    return row


async def create_list(conn: Conn, *, owner_id: int, title: str | None,
                      replies_policy: str | None, exclusive: bool | None,
                      now: datetime) -> ListRow:
    title, policy, exclusive = checked_settings(title, replies_policy, exclusive, None)
    return await queries.insert_list(conn, list_id=new_id(), account_id=owner_id, title=title,
                                     replies_policy=policy, exclusive=exclusive, now=now)


async def update_list(conn: Conn, *, list_id: int, owner_id: int, title: str | None,
                      replies_policy: str | None, exclusive: bool | None) -> ListRow:
    current = await own_list(conn, list_id=list_id, owner_id=owner_id)
    title, policy, exclusive = checked_settings(title, replies_policy, exclusive, current)
    row = await queries.update_list(conn, list_id=list_id, account_id=owner_id, title=title,
                                    replies_policy=policy, exclusive=exclusive)
    assert row is not None
    return row


async def delete_list(conn: Conn, *, list_id: int, owner_id: int) -> None:
    if not await queries.delete_list(conn, list_id=list_id, account_id=owner_id):
        raise NotFoundError("Record not found")


async def add_accounts(conn: Conn, *, list_id: int, owner_id: int,
                       account_ids: list[int]) -> None:
    """All or nothing: an account the owner does not follow refuses the whole change (the
    caller's transaction rolls back what was added)."""
    await own_list(conn, list_id=list_id, owner_id=owner_id)
    missing = await queries.add_list_accounts(conn, list_id=list_id, owner_id=owner_id,
                                              account_ids=account_ids,
                                              row_ids=[new_id() for _ in account_ids])
    if missing:
        raise ValidationError("Validation failed: account_ids may only name accounts you "
                              f"follow (not {', '.join(map(str, missing))})",
                              field="account_ids")


async def remove_accounts(conn: Conn, *, list_id: int, owner_id: int,
                          account_ids: list[int]) -> None:
    await own_list(conn, list_id=list_id, owner_id=owner_id)
    await queries.remove_list_accounts(conn, list_id=list_id, account_ids=account_ids)
