"""Outbound activities for follows and blocks: Follow and its Undo, Accept and Reject of a
remote account's Follow, Block and its Undo.

Which side is local decides what goes out: a local account following a remote one sends
Follow; a remote account's follow of a local one is answered with Accept (at once for open
accounts, when approved for locked ones) or Reject (refused, or removed from followers).
Events whose acting side is remote came in through the inbox and are not echoed.
"""

from __future__ import annotations

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


async def send_follow(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        pair = await _pair(conn, payload, local_side="account")
        if pair is None:
            return
        follower, target = pair
        # Withdrawn before it went out: nothing to send (the Undo may still go; harmless).
        if not await queries.lock_follow_request(conn, account_id=follower.id, target_id=target.id):
            return
        follow = activities.follow(payload.get("uri"), actor_uri=follower.uri,
                                   object_uri=target.uri)
        await send(conn, actor=follower, activity=follow, inboxes=personal_inbox(target),
                   now=ctx.clock.now())


async def send_undo_follow(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        pair = await _pair(conn, payload, local_side="account")
        if pair is None:
            return
        follower, target = pair
        uri = payload.get("uri")
        follow = activities.follow(uri, actor_uri=follower.uri, object_uri=target.uri)
        undo = activities.undo(follower.uri, follow, undo_id=f"{uri}/undo" if uri else
                               f"{follower.uri}#follows/{target.id}/undo")
        await send(conn, actor=follower, activity=undo, inboxes=personal_inbox(target),
                   now=ctx.clock.now())


async def send_accept(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        pair = await _pair(conn, payload, local_side="target")
        if pair is None:
            return
        follower, target = pair
        if not await queries.lock_follow(conn, account_id=follower.id, target_id=target.id):
            return   # removed again before the Accept went out; the Reject says so
        accept = activities.accept_follow(payload.get("uri"), follower_uri=follower.uri,
                                          target_uri=target.uri)
        await send(conn, actor=target, activity=accept, inboxes=personal_inbox(follower),
                   now=ctx.clock.now())


async def send_reject(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        pair = await _pair(conn, payload, local_side="target")
        if pair is None:
            return
        follower, target = pair
        reject = activities.reject_follow(payload.get("uri"), follower_uri=follower.uri,
                                          target_uri=target.uri)
        await send(conn, actor=target, activity=reject, inboxes=personal_inbox(follower),
                   now=ctx.clock.now())


async def send_block(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        pair = await _pair(conn, payload, local_side="account")
        if pair is None:
            return
        account, target = pair
        if not await queries.lock_block(conn, account_id=account.id, target_id=target.id):
            return
        block = activities.block(payload.get("uri"), actor_uri=account.uri, object_uri=target.uri)
        await send(conn, actor=account, activity=block, inboxes=personal_inbox(target),
                   now=ctx.clock.now())


async def send_undo_block(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        pair = await _pair(conn, payload, local_side="account")
        if pair is None:
            return
        account, target = pair
        uri = payload.get("uri")
        block = activities.block(uri, actor_uri=account.uri, object_uri=target.uri)
        undo = activities.undo(account.uri, block, undo_id=f"{uri}/undo" if uri else
                               f"{account.uri}#blocks/{target.id}/undo")
        await send(conn, actor=account, activity=undo, inboxes=personal_inbox(target),
                   now=ctx.clock.now())
