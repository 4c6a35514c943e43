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
         "update", "admin.sign_up", "admin.report")


async def notify(conn: Conn, *, recipient: Account, sender_id: int, type_: str,
                 status_id: int | None = None, now: datetime) -> int | None:
    """The new notification's id, or None when none was made (remote recipient, self, block, mute)."""
    if type_ not in TYPES:
        raise ValueError(f"unknown notification type {type_!r}")
    if not recipient.local or recipient.id == sender_id:
        return None
    made = await queries.insert_notification(conn, notification_id=new_id(), account_id=recipient.id,
                                             from_account_id=sender_id, type_=type_,
                                             status_id=status_id, now=now)
    if made is not None:
        await publish.notification_created(conn, account_id=recipient.id, notification_id=made)
        await events.emit(conn, "notification.created", {"notification_id": made}, now=now)
    return made


async def withdraw(conn: Conn, *, recipient_id: int, sender_id: int, type_: str,
                   status_id: int | None = None) -> None:
    await queries.delete_notifications_about(conn, account_id=recipient_id, from_account_id=sender_id,
                                             type_=type_, status_id=status_id)
