"""Following, follow requests, blocking and muting, for local and remote accounts alike.

A follow of a remote account stays a request until the remote server accepts it; federation
calls `accept_request` when its Accept arrives. Locked local accounts get requests too.
"""

from __future__ import annotations

from datetime import datetime

from server import events
from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.config import Config
from server.db import Conn
from server.errors import ForbiddenError, NotFoundError, ValidationError
from server.follows import queries
from server.ids import new_id
from server.notifications import service as notifications


def follow_activity_uri(config: Config, follower: Account, follow_id: int) -> str:
    return config.url(f"/users/{follower.username}#follows/{follow_id}")


async def follow(conn: Conn, *, config: Config | None, follower: Account, target: Account,
                 now: datetime, reblogs: bool = True, notify: bool = False,
                 uri: str | None = None) -> str:
    """Follow or ask to; returns "following" or "requested". `uri` is the Follow activity's id
    when it came from another server; local follows get one made here."""
    if follower.id == target.id:
        raise ValidationError("You cannot follow yourself", field="id")
    if target.suspended_at is not None:
        raise NotFoundError("Record not found")
    if await queries.is_blocking(conn, account_id=target.id, target_id=follower.id) or \
            await queries.is_blocking(conn, account_id=follower.id, target_id=target.id):
        raise ForbiddenError("This action is not allowed")
    if await queries.get_follow(conn, account_id=follower.id, target_id=target.id) is not None:
        await queries.insert_follow(conn, follow_id=new_id(), account_id=follower.id,
                                    target_id=target.id, show_reblogs=reblogs, notify=notify,
                                    uri=uri, now=now)
        return "following"
    request_id = new_id()
    if uri is None and follower.local:
        assert config is not None
        uri = follow_activity_uri(config, follower, request_id)
    if target.local and not target.locked:
        await queries.insert_follow(conn, follow_id=request_id, account_id=follower.id,
                                    target_id=target.id, show_reblogs=reblogs, notify=notify,
                                    uri=uri, now=now)
        await notifications.notify(conn, recipient=target, sender_id=follower.id, type_="follow", now=now)
        await events.emit(conn, "follow.created", _payload(follower, target, uri), now=now)
        return "following"
    created = await queries.insert_follow_request(conn, request_id=request_id, account_id=follower.id,
                                                  target_id=target.id, show_reblogs=reblogs,
                                                  notify=notify, uri=uri, now=now)
    if created:
        await notifications.notify(conn, recipient=target, sender_id=follower.id,
                                   type_="follow_request", now=now)
        await events.emit(conn, "follow.requested", _payload(follower, target, uri), now=now)
    return "requested"


def _payload(follower: Account, target: Account, uri: str | None) -> dict[str, object]:
    return {"account_id": follower.id, "target_account_id": target.id, "uri": uri}


async def accept_request(conn: Conn, *, follower: Account, target: Account, now: datetime) -> None:
    """The target (local owner of a locked account, or a remote server) accepted."""
    request = await queries.delete_follow_request(conn, account_id=follower.id, target_id=target.id)
    if request is None:
        raise NotFoundError("Record not found")
    await queries.insert_follow(conn, follow_id=request.id, account_id=follower.id, target_id=target.id,
                                show_reblogs=request.show_reblogs, notify=request.notify,
                                uri=request.uri, now=now)
    await notifications.withdraw(conn, recipient_id=target.id, sender_id=follower.id,
                                 type_="follow_request")
    await events.emit(conn, "follow.created", _payload(follower, target, request.uri), now=now)


async def reject_request(conn: Conn, *, follower: Account, target: Account, now: datetime) -> None:
    request = await queries.delete_follow_request(conn, account_id=follower.id, target_id=target.id)
    if request is None:
        raise NotFoundError("Record not found")
    await notifications.withdraw(conn, recipient_id=target.id, sender_id=follower.id,
                                 type_="follow_request")
    await events.emit(conn, "follow.request_rejected", _payload(follower, target, request.uri), now=now)


async def unfollow(conn: Conn, *, follower: Account, target: Account, now: datetime) -> None:
    """Ends a follow or withdraws a request; a no-op when there is neither (as Mastodon)."""
    removed = await queries.delete_follow(conn, account_id=follower.id, target_id=target.id)
    request = await queries.delete_follow_request(conn, account_id=follower.id, target_id=target.id)
    uri = removed["uri"] if removed else (request.uri if request else None)
    if removed is not None or request is not None:
        await events.emit(conn, "follow.removed", _payload(follower, target, uri), now=now)


async def remove_from_followers(conn: Conn, *, account: Account, follower: Account, now: datetime) -> None:
    removed = await queries.delete_follow(conn, account_id=follower.id, target_id=account.id)
    if removed is not None:
        await events.emit(conn, "follower.removed",
                          _payload(follower, account, removed.get("uri")), now=now)


async def block(conn: Conn, *, config: Config | None, account: Account, target: Account,
                now: datetime, uri: str | None = None) -> None:
    """Blocking also ends follows in both directions."""
    if account.id == target.id:
        raise ValidationError("You cannot block yourself", field="id")
    block_id = new_id()
    if uri is None and account.local and config is not None:
        uri = config.url(f"/users/{account.username}#blocks/{block_id}")
    if not await queries.insert_block(conn, block_id=block_id, account_id=account.id,
                                      target_id=target.id, uri=uri, now=now):
        return
    for a, b in ((account, target), (target, account)):
        await queries.delete_follow(conn, account_id=a.id, target_id=b.id)
        await queries.delete_follow_request(conn, account_id=a.id, target_id=b.id)
    await events.emit(conn, "block.created", _payload(account, target, uri), now=now)


async def unblock(conn: Conn, *, account: Account, target: Account, now: datetime) -> None:
    removed = await queries.delete_block(conn, account_id=account.id, target_id=target.id)
    if removed is not None:
        await events.emit(conn, "block.removed", _payload(account, target, removed.get("uri")), now=now)


async def mute(conn: Conn, *, account: Account, target: Account, now: datetime,
               notifications_too: bool = True, expires_at: datetime | None = None) -> None:
    if account.id == target.id:
        raise ValidationError("You cannot mute yourself", field="id")
    await queries.upsert_mute(conn, mute_id=new_id(), account_id=account.id, target_id=target.id,
                              hide_notifications=notifications_too, expires_at=expires_at, now=now)


async def unmute(conn: Conn, *, account: Account, target: Account) -> None:
    await queries.delete_mute(conn, account_id=account.id, target_id=target.id)


async def get_account_or_404(conn: Conn, account_id: int) -> Account:
    account = await accounts_q.get_account(conn, account_id=account_id)
    if account is None or account.suspended_at is not None:
        raise NotFoundError("Record not found")
    return account
