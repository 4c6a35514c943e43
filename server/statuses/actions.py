"""What a local account does with statuses besides writing them: bookmarks, pins and
muting a conversation. Each runs in the caller's transaction."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from server.accounts.queries import Account
from server.db import Conn
from server.errors import ValidationError
from server.ids import new_id
from server.statuses import queries
from server.statuses.queries import Status
from server.statuses.service import _own_status, access_status_for_viewing

MAX_PINS = 5
IDEMPOTENCY_WINDOW = timedelta(hours=1)


async def bookmark(conn: Conn, *, account: Account, status_id: int, now: datetime) -> Status:
    status = await access_status_for_viewing(conn, status_id=status_id, viewer=account)
    await queries.insert_bookmark(conn, bookmark_id=new_id(), account_id=account.id,
                                  status_id=status.id, now=now)
    return status


async def unbookmark(conn: Conn, *, account: Account, status_id: int) -> Status:
    status = await access_status_for_viewing(conn, status_id=status_id, viewer=account)
    await queries.delete_bookmark(conn, account_id=account.id, status_id=status.id)
    return status


async def pin(conn: Conn, *, account: Account, status_id: int, now: datetime) -> Status:
    """Own statuses only, not boosts and not direct messages, at most five (as Mastodon's
    StatusPinValidator)."""
    status = await _own_status(conn, account=account, status_id=status_id)
    if status.visibility == "direct":
        raise ValidationError("Validation failed: Direct messages cannot be pinned",
                              field="visibility")
    if not await queries.insert_pin(conn, pin_id=new_id(), account_id=account.id,
                                    status_id=status.id, now=now, maximum=MAX_PINS):
        raise ValidationError(f"Validation failed: You cannot pin more than {MAX_PINS} posts",
                              field="status_id")
    return status


async def unpin(conn: Conn, *, account: Account, status_id: int) -> Status:
    status = await _own_status(conn, account=account, status_id=status_id)
    await queries.delete_pin(conn, account_id=account.id, status_id=status.id)
    return status


async def mute_conversation(conn: Conn, *, account: Account, status_id: int) -> Status:
    status = await access_status_for_viewing(conn, status_id=status_id, viewer=account)
    await queries.insert_conversation_mute(conn, account_id=account.id,
                                           conversation_id=status.conversation_id or status.id)
    return status


async def unmute_conversation(conn: Conn, *, account: Account, status_id: int) -> Status:
    status = await access_status_for_viewing(conn, status_id=status_id, viewer=account)
    await queries.delete_conversation_mute(conn, account_id=account.id,
                                           conversation_id=status.conversation_id or status.id)
    return status


async def claim_idempotency_key(conn: Conn, *, account_id: int, key: str,
                                now: datetime) -> int | None:
    """The status already made with this key within the hour, or None. Takes a transaction
    lock on the key first, so a concurrent retry waits and then sees the first post."""
    digest = hashlib.sha256(f"{account_id}:{key}".encode()).digest()
    await queries.lock_idempotency_key(conn, lock_key=int.from_bytes(digest[:8], "big", signed=True))
    return await queries.get_idempotent_status(conn, account_id=account_id, key=key,
                                               since=now - IDEMPOTENCY_WINDOW)


async def remember_idempotency_key(conn: Conn, *, account_id: int, key: str, status_id: int,
                                   now: datetime) -> None:
    await queries.put_idempotency_key(conn, account_id=account_id, key=key, status_id=status_id,
                                      now=now)
