"""Undo: a remote account takes back a Follow, Like, Announce or Block.

The undone activity is found by its id; when the sender embedded it, by what it was about
too (servers that lost the id). An Undo whose target is not here yet is remembered
(tombstones.py) so the target is dropped if it arrives late. When only an id is sent and
its type is not stated, each kind is tried in turn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.db import Conn
from server.errors import NotFoundError
from server.federation import vocabulary as v
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox import tombstones
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.follows import queries as follows_q
from server.follows import service as follows
from server.notifications import service as notifications
from server.statuses import queries as statuses_q
from server.statuses import service as statuses

# An undo step: True when it found and undid its target.
Step = Callable[[Conn, v.Undo, Account, InboxContext], Awaitable[bool]]


def _inner_object(activity: v.Undo) -> str | None:
    return getattr(activity.inner, "object_uri", None)


async def _local_account(conn: Conn, uri: str | None) -> Account | None:
    account = await accounts_q.get_account_by_uri(conn, uri=uri) if uri else None
    return account if account is not None and account.local else None


async def _undo_follow(conn: Conn, activity: v.Undo, actor: Account, ctx: InboxContext) -> bool:
    found = await follows_q.get_follow_by_uri(conn, uri=activity.object.uri) or \
        await follows_q.get_follow_request_by_uri(conn, uri=activity.object.uri)
    target = None
    if found is not None and found.account_id == actor.id:
        target = await accounts_q.get_account(conn, account_id=found.target_account_id)
    elif found is None:
        target = await _local_account(conn, _inner_object(activity))
        if target is not None and \
                await follows_q.get_follow(conn, account_id=actor.id, target_id=target.id) is None \
                and await follows_q.get_follow_request(conn, account_id=actor.id,
                                                       target_id=target.id) is None:
            target = None
    if target is None:
        return False
    await follows.unfollow(conn, follower=actor, target=target, now=ctx.now())
    # A withdrawn request no longer asks anything of our member.
    await notifications.withdraw(conn, recipient_id=target.id, sender_id=actor.id,
                                 type_="follow_request")
    return True


async def _undo_like(conn: Conn, activity: v.Undo, actor: Account, ctx: InboxContext) -> bool:
    # Likes we count are stored with their id (like.py), so the id alone finds them.
    favourite = await statuses_q.get_favourite_by_uri(conn, uri=activity.object.uri)
    if favourite is None or favourite["account_id"] != actor.id:
        return False
    try:
        await statuses.unfavourite(conn, account=actor, status_id=favourite["status_id"],
                                   now=ctx.now())
    except NotFoundError:
        return False
    return True


async def _undo_announce(conn: Conn, activity: v.Undo, actor: Account, ctx: InboxContext) -> bool:
    boost = await statuses_q.get_status_by_uri(conn, uri=activity.object.uri)
    if boost is None or boost.reblog_of_id is None or boost.account_id != actor.id \
            or boost.deleted_at is not None:
        return False
    await statuses.delete_status(conn, account=actor, status_id=boost.id, now=ctx.now())
    return True


async def _undo_block(conn: Conn, activity: v.Undo, actor: Account, ctx: InboxContext) -> bool:
    block = await follows_q.get_block_by_uri(conn, uri=activity.object.uri)
    target = None
    if block is not None and block["account_id"] == actor.id:
        target = await accounts_q.get_account(conn, account_id=block["target_account_id"])
    elif block is None:
        target = await _local_account(conn, _inner_object(activity))
        if target is not None and not await follows_q.is_blocking(conn, account_id=actor.id,
                                                                  target_id=target.id):
            target = None
    if target is None:
        return False
    await follows.unblock(conn, account=actor, target=target, now=ctx.now())
    return True


UNDO: dict[str, Step] = {
    "Follow": _undo_follow,
    "Like": _undo_like,
    "Announce": _undo_announce,
    "Block": _undo_block,
}


async def handle_undo(ctx: InboxContext, activity: v.Undo) -> Outcome:
    actor = await remote_actors.get_or_fetch_actor(ctx.job, activity.actor_uri)
    kind = activity.object.type
    steps = [UNDO[kind]] if kind in UNDO else list(UNDO.values())
    async with ctx.db.transaction() as conn:
        for step in steps:
            if await step(conn, activity, actor, ctx):
                return PROCESSED
        await tombstones.remember(conn, uri=activity.object.uri, actor_uri=activity.actor_uri,
                                  now=ctx.now())
    return ignored("nothing to undo (yet): remembered in case it arrives late")
