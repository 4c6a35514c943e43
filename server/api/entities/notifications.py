"""Notification entities (Mastodon 4.3's REST::NotificationSerializer), rendered a page at a
time: one batch of accounts and one batch of statuses whatever the page size.

A page that is only encoded once, with orjson (the REST list), takes its statuses as the
JSON pieces kept in process for pages of statuses (status_shared): no dict of dicts (about
40 Python objects a status) is made and thrown away for each of them on every read. The
senders stay dicts: their JSON would be kept in the account entity cache, which pages of
statuses fill with authors, and a thousand remote senders would push those out (and hold
another megabyte or two). Callers that change the entities or encode them otherwise get
dicts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.api.entities.accounts import render_accounts
from server.api.entities.common import iso
from server.api.entities.statuses import render_statuses
from server.config import Config
from server.db import Conn

# The types whose notification carries the status it is about.
WITH_STATUS = frozenset({"mention", "status", "reblog", "favourite", "poll", "update", "quote",
                         "quoted_update"})


async def statuses_by_id(conn: Conn, config: Config, status_ids: list[int], *, viewer_id: int,
                         now: datetime, encoded_at_once: bool = False) -> dict[int, Any]:
    """Status entities by id, those no longer shown left out; with `encoded_at_once`, as JSON
    fragments where the page allows (see render_statuses)."""
    unique = list(dict.fromkeys(status_ids))
    if encoded_at_once:
        # Fragments do not say their id, but come in the order asked for, leaving out only
        # what does not resolve: when none is left out, the positions are the ids.
        encoded = await render_statuses(conn, config, unique, viewer_id=viewer_id, now=now,
                                        serialised_at_once=True)
        if len(encoded) == len(unique):
            return dict(zip(unique, encoded))
    return {int(s["id"]): s for s in await render_statuses(
        conn, config, unique, viewer_id=viewer_id, now=now)}


async def render_notifications(conn: Conn, config: Config, rows: list[dict[str, Any]], *,
                               viewer_id: int, now: datetime,
                               encoded_at_once: bool = False) -> list[dict[str, Any]]:
    accounts = await render_accounts(conn, config, [r["from_account_id"] for r in rows])
    status_ids = [r["status_id"] for r in rows if r["status_id"] and r["type"] in WITH_STATUS]
    statuses = await statuses_by_id(conn, config, status_ids, viewer_id=viewer_id, now=now,
                                    encoded_at_once=encoded_at_once)
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
