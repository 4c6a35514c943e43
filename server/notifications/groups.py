"""Grouped notifications (the v2 list): pages of groups, each with its count, latest senders
and bounds within the page, as Mastodon 4.3 computes them.

A page stands for a range of notification ids: from the oldest to the newest notification
standing for a group on it, or, on the last page (fewer groups than asked for), down to the
cursor (or to the very first notification). A group's count, samples and newest id are read
at or below the range's top; its `page_min_id` is its oldest notification within the range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn
from server.notifications import queries
from server.notifications.queries import GroupFilter

SAMPLE_ACCOUNTS = 8
# How many notifications one page may walk to find its groups (a page has at most 80).
WALK = 2000
UNGROUPED = "ungrouped-"
_TOP = (1 << 63) - 1


@dataclass(frozen=True, slots=True)
class Group:
    key: str
    notification: dict[str, Any]     # the one standing for the group on this page
    count: int
    sample_account_ids: list[int]
    newest_id: int
    page_min_id: int
    page_max_id: int
    latest_at: datetime


def ungrouped_id(group_key: str) -> int | None:
    """The notification id a key "ungrouped-ID" names; None for a real group key."""
    rest = group_key[len(UNGROUPED):] if group_key.startswith(UNGROUPED) else ""
    return int(rest) if rest.isdigit() and int(rest) <= _TOP else None


def _alone(row: dict[str, Any]) -> Group:
    return Group(row["page_group"], row, 1, [row["from_account_id"]], row["id"], row["id"],
                 row["id"], row["created_at"])


async def page_groups(conn: Conn, *, account_id: int, where: GroupFilter, max_id: int | None,
                      since_id: int | None, min_id: int | None, limit: int) -> list[Group]:
    rows = await queries.page_notification_groups(
        conn, account_id=account_id, where=where, max_id=max_id, since_id=since_id,
        min_id=min_id, limit=limit, walk=WALK)
    if not rows:
        return []
    start: int | None = rows[-1]["id"]
    end: int | None = rows[0]["id"]
    if len(rows) < limit:   # the last page in its direction reaches to the cursor
        if min_id is not None:
            end = max_id - 1 if max_id is not None else None
        else:
            start = since_id + 1 if since_id is not None else None
    return await _with_facts(conn, account_id, rows, start=start, end=end)


async def groups_of(conn: Conn, *, account_id: int, rows: list[dict[str, Any]]) -> list[Group]:
    """Groups for notifications read one by one (not as a page): counted in full."""
    for row in rows:
        row["page_group"] = row.get("group_key") or f"{UNGROUPED}{row['id']}"
    return await _with_facts(conn, account_id, rows, start=None, end=None)


async def _with_facts(conn: Conn, account_id: int, rows: list[dict[str, Any]], *,
                      start: int | None, end: int | None) -> list[Group]:
    keys = [r["page_group"] for r in rows if not r["page_group"].startswith(UNGROUPED)]
    facts = await queries.notification_group_facts(
        conn, account_id=account_id, group_keys=keys, start=start,
        end=end if end is not None else _TOP, samples=SAMPLE_ACCOUNTS) if keys else {}
    out = []
    for row in rows:
        fact = facts.get(row["page_group"])
        if fact is None or fact["newest_id"] is None:
            out.append(_alone(row))
            continue
        out.append(Group(row["page_group"], row, int(fact["notifications_count"]),
                         list(fact["sample_account_ids"]), fact["newest_id"],
                         fact["oldest_id"] or row["id"], fact["newest_id"], fact["newest_at"]))
    return out
