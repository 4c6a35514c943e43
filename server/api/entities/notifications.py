"""Notification entities (Mastodon 4.3's REST::NotificationSerializer), rendered a page at a
time: one batch of accounts and one batch of statuses whatever the page size.

A page that is only encoded once, with orjson (the REST list), takes its statuses and
accounts as the JSON kept in process for pages of statuses (status_shared, accounts'
account_json): nothing is built per request for them but the notifications' own few fields,
where dicts of dicts (a status entity is about 40 Python objects) were made and thrown away
on every read. Callers that change the entities or encode them otherwise get dicts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orjson import Fragment

from server.api import queries as api_q
from server.api.entities.accounts import account_json, entities_for_views, render_accounts
from server.api.entities.common import iso
from server.api.entities.statuses import render_statuses
from server.config import Config
from server.db import Conn

# The types whose notification carries the status it is about.
WITH_STATUS = frozenset({"mention", "status", "reblog", "favourite", "poll", "update"})


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


async def _account_entities(conn: Conn, config: Config, account_ids: list[int], *,
                            encoded_at_once: bool) -> dict[int, Any]:
    if not encoded_at_once:
        return await render_accounts(conn, config, account_ids)
    views = await api_q.list_account_views(conn, account_ids=list(set(account_ids)))
    out: dict[int, Any] = {i: Fragment(account_json(v, config)) for i, v in views.items()
                           if v.moved_to_account_id is None}
    moved = {i: v for i, v in views.items() if v.moved_to_account_id is not None}
    if moved:   # with the account they moved to inside: built as before
        out |= await entities_for_views(conn, config, views, list(moved))
    return out


async def render_notifications(conn: Conn, config: Config, rows: list[dict[str, Any]], *,
                               viewer_id: int, now: datetime,
                               encoded_at_once: bool = False) -> list[dict[str, Any]]:
    accounts = await _account_entities(conn, config, [r["from_account_id"] for r in rows],
                                       encoded_at_once=encoded_at_once)
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
