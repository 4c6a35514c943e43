"""Outbound activities for follows and blocks: Follow and its Undo, Accept and Reject of a
remote account's Follow, Block and its Undo.

Which side is local decides what goes out: a local account following a remote one sends
Follow; a remote account's follow of a local one is answered with Accept (at once for open
accounts, when approved for locked ones) or Reject (refused, or removed from followers).
Events whose acting side is remote came in through the inbox and are not echoed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from server.accounts.queries import Account
from server.db import Conn
from server.federation.outbound import activities, queries
from server.federation.outbound.common import local_account, personal_inbox, remote_account, send
from server.jobs.context import JobContext


async def _pair(conn: Conn, payload: dict[str, Any], *,
                local_side: str) -> tuple[Account, Account] | None:
    """(account, target) when `local_side` ("account" or "target") is ours and the other
    side is remote; None otherwise."""
    account_id, target_id = int(payload["account_id"]), int(payload["target_account_id"])
    if local_side == "account":
        account = await local_account(conn, account_id)
        target = await remote_account(conn, target_id)
    else:
        account = await remote_account(conn, account_id)
        target = await local_account(conn, target_id)
    return (account, target) if account is not None and target is not None else None


Build = Callable[[Conn, Account, Account], Awaitable[dict[str, Any] | None]]


async def _send_between(ctx: JobContext, payload: dict[str, Any], *, local_side: str,
                        build: Build) -> None:
    """What every handler here does: in one transaction, find the (account, target) pair,
    let `build` make the activity (None when there is nothing to send any more) and send it
    from the local side to the remote side's own inbox."""
    async with ctx.db.transaction() as conn:
        pair = await _pair(conn, payload, local_side=local_side)
        if pair is None:
            return
        account, target = pair
        activity = await build(conn, account, target)
        if activity is None:
            return
        sender, recipient = (account, target) if local_side == "account" else (target, account)
        await send(conn, actor=sender, activity=activity, inboxes=personal_inbox(recipient),
                   now=ctx.clock.now())


async def send_follow(ctx: JobContext, payload: dict[str, Any]) -> None:
    async def build(conn: Conn, follower: Account, target: Account) -> dict[str, Any] | None:
        # Withdrawn before it went out: nothing to send (the Undo may still go; harmless).
        if not await queries.lock_follow_request(conn, account_id=follower.id, target_id=target.id):
            return None
        return activities.follow(payload.get("uri"), actor_uri=follower.uri, object_uri=target.uri)
    await _send_between(ctx, payload, local_side="account", build=build)


async def send_undo_follow(ctx: JobContext, payload: dict[str, Any]) -> None:
    async def build(conn: Conn, follower: Account, target: Account) -> dict[str, Any] | None:
        uri = payload.get("uri")
        follow = activities.follow(uri, actor_uri=follower.uri, object_uri=target.uri)
        return activities.undo(follower.uri, follow, undo_id=f"{uri}/undo" if uri else
                               f"{follower.uri}#follows/{target.id}/undo")
    await _send_between(ctx, payload, local_side="account", build=build)


async def send_accept(ctx: JobContext, payload: dict[str, Any]) -> None:
    async def build(conn: Conn, follower: Account, target: Account) -> dict[str, Any] | None:
        if not await queries.lock_follow(conn, account_id=follower.id, target_id=target.id):
            return None   # removed again before the Accept went out; the Reject says so
        return activities.accept_follow(payload.get("uri"), follower_uri=follower.uri,
                                        target_uri=target.uri)
    await _send_between(ctx, payload, local_side="target", build=build)


async def send_reject(ctx: JobContext, payload: dict[str, Any]) -> None:
    async def build(conn: Conn, follower: Account, target: Account) -> dict[str, Any] | None:
        return activities.reject_follow(payload.get("uri"), follower_uri=follower.uri,
                                        target_uri=target.uri)
    await _send_between(ctx, payload, local_side="target", build=build)


async def send_block(ctx: JobContext, payload: dict[str, Any]) -> None:
    async def build(conn: Conn, account: Account, target: Account) -> dict[str, Any] | None:
        if not await queries.lock_block(conn, account_id=account.id, target_id=target.id):
            return None
        return activities.block(payload.get("uri"), actor_uri=account.uri, object_uri=target.uri)
    await _send_between(ctx, payload, local_side="account", build=build)


async def send_undo_block(ctx: JobContext, payload: dict[str, Any]) -> None:
    async def build(conn: Conn, account: Account, target: Account) -> dict[str, Any] | None:
        uri = payload.get("uri")
        block = activities.block(uri, actor_uri=account.uri, object_uri=target.uri)
        return activities.undo(account.uri, block, undo_id=f"{uri}/undo" if uri else
                               f"{account.uri}#blocks/{target.id}/undo")
    await _send_between(ctx, payload, local_side="account", build=build)
