"""Creating notifications for local accounts (remote ones are told by federation)."""

from __future__ import annotations

from datetime import datetime

from server import events
from server.accounts.queries import Account
from server.db import Conn
from server.ids import new_id
from server.notifications import queries
from server.streaming import publish

TYPES = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "poll",
         "update", "admin.sign_up", "admin.report", "quote", "quoted_update")
# The types whose notifications may share a group (the v2 list), and how long a group stays
# open: a notification joins its kind's group if that group began less than this ago, by
# whole hours, as Mastodon groups them.
GROUPABLE = ("favourite", "reblog", "follow", "admin.sign_up")
# What a notification policy may filter or drop: not the server's own news (polls ended,
# edits of what you boosted, staff matters).
FILTERABLE = [t for t in TYPES
              if t not in ("poll", "update", "quoted_update", "admin.sign_up", "admin.report")]
GROUP_SPAN_HOURS = 12


def group_keys(type_: str, status_id: int | None, now: datetime) -> tuple[list[str], str | None]:
    """(keys of the groups this notification may join, the key of a group it would begin);
    ([], None) for a type that does not group."""
    if type_ not in GROUPABLE:
        return [], None
    kind = f"{type_}-{status_id}" if type_ in ("favourite", "reblog") else type_
    hour = int(now.timestamp()) // 3600
    return [f"{kind}-{h}" for h in range(hour - GROUP_SPAN_HOURS + 1, hour + 1)], f"{kind}-{hour}"


async def notify(conn: Conn, *, recipient: Account, sender_id: int, type_: str,
                 status_id: int | None = None, now: datetime) -> int | None:
    """The new notification's id, or None when none was made (remote recipient, self, block,
    mute, or dropped by the recipient's notification policy)."""
    if type_ not in TYPES:
        raise ValueError(f"unknown notification type {type_!r}")
    if not recipient.local or recipient.id == sender_id:
        return None
    join_keys, own_key = group_keys(type_, status_id, now)
    made = await queries.insert_notification(conn, notification_id=new_id(), account_id=recipient.id,
                                             from_account_id=sender_id, type_=type_,
                                             status_id=status_id, now=now, filterable=FILTERABLE,
                                             join_keys=join_keys, own_key=own_key,
                                             request_id=new_id())
    if made is None:
        return None
    if not made.filtered:   # a filtered one waits, unannounced, in its sender's request
        await publish.notification_created(conn, account_id=recipient.id, notification_id=made.id)
        await events.emit(conn, "notification.created", {"notification_id": made.id}, now=now)
    return made.id


async def withdraw(conn: Conn, *, recipient_id: int, sender_id: int, type_: str,
                   status_id: int | None = None) -> None:
    await queries.delete_notifications_about(conn, account_id=recipient_id, from_account_id=sender_id,
                                             type_=type_, status_id=status_id)
