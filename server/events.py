"""What happens after a change, in one table.

A service that changes something calls `emit(conn, event, payload, now=...)` inside its
transaction; every job kind subscribed to that event is enqueued in the same transaction,
so the follow-up work (home feeds, notifications, federation delivery, streaming) happens
exactly when the change was committed, and never when it was rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server import jobs
from server.db import Conn

# event -> job kinds that react to it. Areas add their kinds here, nowhere else.
SUBSCRIBERS: dict[str, tuple[str, ...]] = {
    # A new local post's card job is enqueued by create_status, only when it has a link.
    "status.created": ("timeline.fanout_status", "federation.send_create"),
    # A real edit also queues notifications.status_edited (status.updated also comes when
    # only a remote poll's counts changed).
    "status.updated": ("federation.send_update", "cards.fetch"),
    "status.deleted": ("timeline.status_deleted", "federation.send_delete"),
    "status.reblogged": ("timeline.fanout_status", "federation.send_announce"),
    "status.unreblogged": ("timeline.status_deleted", "federation.send_undo_announce"),
    "status.favourited": ("federation.send_like",),
    "status.unfavourited": ("federation.send_undo_like",),
    "follow.created": ("timeline.follow_created", "federation.send_accept"),
    "follow.requested": ("federation.send_follow",),
    "follow.removed": ("timeline.follow_removed", "federation.send_undo_follow"),
    "follow.request_rejected": ("federation.send_reject",),
    "follower.removed": ("timeline.follow_removed", "federation.send_reject"),
    "block.created": ("timeline.block_created", "federation.send_block"),
    "block.removed": ("federation.send_undo_block",),
    "account.updated": ("federation.send_actor_update",),
    "poll.voted": ("polls.deliver_vote",),
    "proposal.opened": ("governance.publish_question", "announcements.publish"),
    "proposal.closed": ("governance.publish_outcome", "announcements.publish"),
    "report.created": ("federation.send_flag",),
    "notification.created": ("push.notification_created",),
    # Remote posts and boosts reach home feeds and streams in the transaction that stores
    # them (server/statuses/remote.py); nothing is sent back out.
    # A remote post's link preview is asked for there, only when it has a link (cards/enqueue.py).
    "status.received": (),
    "status.reblog_received": (),
}

# Subscribers that only send to other servers (server/federation/outbound): see Reach.
OUTBOUND_PREFIX = "federation.send_"


@dataclass(frozen=True, slots=True)
class Reach:
    """Given to emit when an occurrence names nobody on another server (no remote account
    mentioned, replied to or boosted): its outbound kinds are then queued only when
    `followers_of` has a follower on another server, which the statement queueing the jobs
    checks; with None (a direct message to local accounts only), never. Most posts of a
    small server reach nobody elsewhere, and a job that would find nobody to send to costs
    a claim and a transaction of reads."""
    followers_of: int | None = None


async def emit(conn: Conn, event: str, payload: dict[str, Any], *, now: datetime,
               also: tuple[str, ...] = (), reach: Reach | None = None) -> None:
    """`also`: job kinds this one occurrence needs besides the event's subscribers (a post
    with a link wants a card), enqueued in the same statement. `reach`: see Reach (None:
    the emitter does not know, every subscriber is queued)."""
    kinds = SUBSCRIBERS.get(event)
    if kinds is None:
        raise KeyError(f"unknown event {event!r}: add it to server.events.SUBSCRIBERS")
    outbound: tuple[str, ...] = ()
    if reach is not None:
        outbound = tuple(k for k in kinds if k.startswith(OUTBOUND_PREFIX))
        if reach.followers_of is None:
            kinds, outbound = tuple(k for k in kinds if k not in outbound), ()
    await jobs.enqueue_kinds(conn, (*kinds, *also), {"event": event, **payload}, now=now,
                             if_followed_elsewhere=outbound,
                             account_id=reach.followers_of if reach is not None else None)

