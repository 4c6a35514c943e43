"""GroupedNotificationsResults (the v2 notifications list): the groups, and once each the
accounts and statuses they refer to (Mastodon 4.3's REST::DedupNotificationGroupSerializer).
With `expand_accounts=partial_avatars`, only each group's newest sender is a full Account;
the other senders of groups that collect many come as PartialAccountWithAvatar."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.api.entities.accounts import render_accounts
from server.api.entities.common import iso
from server.api.entities.notifications import WITH_STATUS
from server.api.entities.statuses import render_statuses
from server.config import Config
from server.db import Conn
from server.notifications.groups import Group

PARTIAL_FIELDS = ("id", "acct", "url", "avatar", "avatar_static", "locked", "bot")


def _group_entity(group: Group) -> dict[str, Any]:
    row = group.notification
    entity: dict[str, Any] = {
        "group_key": group.key,
        "notifications_count": group.count,
        "type": row["type"],
        "most_recent_notification_id": group.newest_id,
        "page_min_id": str(group.page_min_id),
        "page_max_id": str(group.page_max_id),
        "latest_page_notification_at": iso(group.latest_at),
        "sample_account_ids": [str(i) for i in group.sample_account_ids],
    }
    if row["type"] in WITH_STATUS:
        entity["status_id"] = str(row["status_id"])
    return entity


async def render_groups(conn: Conn, config: Config, groups: list[Group], *, viewer_id: int,
                        now: datetime, partial: bool = False) -> dict[str, Any]:
    status_ids = [g.notification["status_id"] for g in groups
                  if g.notification["type"] in WITH_STATUS and g.notification["status_id"]]
    statuses = {int(s["id"]): s for s in await render_statuses(
        conn, config, status_ids, viewer_id=viewer_id, now=now)}
    # A group about a status no longer visible (deleted, or hidden from the viewer) is left
    # out, as the v1 list leaves out such notifications.
    shown = [g for g in groups if g.notification["type"] not in WITH_STATUS
             or g.notification["status_id"] in statuses]
    full_ids = [i for g in shown for i in (g.sample_account_ids[:1] if partial
                                           else g.sample_account_ids)]
    partial_ids = [i for g in shown for i in g.sample_account_ids[1:]] if partial else []
    accounts = await render_accounts(conn, config, list(dict.fromkeys(full_ids + partial_ids)))
    full = {i: accounts[i] for i in dict.fromkeys(full_ids) if i in accounts}
    body: dict[str, Any] = {
        "accounts": list(full.values()),
        "statuses": [statuses[i] for i in dict.fromkeys(status_ids) if i in statuses],
        "notification_groups": [_group_entity(g) for g in shown],
    }
    if partial:
        body["partial_accounts"] = [
            {**{k: accounts[i][k] for k in PARTIAL_FIELDS},
             "avatar_description": accounts[i].get("avatar_description")}
            for i in dict.fromkeys(partial_ids) if i in accounts and i not in full]
    return body
