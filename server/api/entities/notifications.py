"""Notification entities (Mastodon 4.3's REST::NotificationSerializer), rendered a page at a
time: one batch of accounts and one batch of statuses whatever the page size."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.api.entities.accounts import render_accounts
from server.api.entities.common import iso
from server.api.entities.statuses import render_statuses
from server.config import Config
from server.db import Conn

# The types whose notification carries the status it is about.
WITH_STATUS = frozenset({"mention", "status", "reblog", "favourite", "poll", "update"})


async def render_notifications(conn: Conn, config: Config, rows: list[dict[str, Any]], *,
                               viewer_id: int, now: datetime) -> list[dict[str, Any]]:
    accounts = await render_accounts(conn, config, [r["from_account_id"] for r in rows])
    status_ids = [r["status_id"] for r in rows if r["status_id"] and r["type"] in WITH_STATUS]
    statuses = {int(s["id"]): s for s in await render_statuses(
        conn, config, status_ids, viewer_id=viewer_id, now=now)}
    out = []
    for row in rows:
        account = accounts.get(row["from_account_id"])
        if account is None:
            continue
        entity: dict[str, Any] = {
            "id": str(row["id"]),
            "type": row["type"],
            "created_at": iso(row["created_at"]),
            "group_key": row.get("group_key") or f"ungrouped-{row['id']}",
            "account": account,
        }
        if row["type"] in WITH_STATUS:
            status = statuses.get(row["status_id"]) if row["status_id"] else None
            if status is None:
                continue
            entity["status"] = status
        out.append(entity)
    return out
