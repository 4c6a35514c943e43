"""What happens after a change, in one table.

A service that changes something calls `emit(conn, event, payload, now=...)` inside its
transaction; every job kind subscribed to that event is enqueued in the same transaction,
so the follow-up work (home feeds, notifications, federation delivery, streaming) happens
exactly when the change was committed, and never when it was rolled back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server import jobs
from server.db import Conn

# event -> job kinds that react to it. Areas add their kinds here, nowhere else.
SUBSCRIBERS: dict[str, tuple[str, ...]] = {
    "status.created": ("timeline.fanout_status",),
    "status.updated": (),
    "status.deleted": ("timeline.status_deleted",),
    "status.reblogged": ("timeline.fanout_status",),
    "status.unreblogged": ("timeline.status_deleted",),
    "status.favourited": (),
    "status.unfavourited": (),
    "follow.created": ("timeline.follow_created",),
    "follow.requested": (),
    "follow.removed": ("timeline.follow_removed",),
    "follow.request_rejected": (),
    "block.created": ("timeline.follow_removed",),
    "block.removed": (),
    "account.updated": (),
    "poll.voted": ("polls.deliver_vote",),
    "proposal.opened": ("governance.publish_question",),
    "proposal.closed": ("governance.publish_outcome",),
}

async def emit(conn: Conn, event: str, payload: dict[str, Any], *, now: datetime) -> None:
    kinds = SUBSCRIBERS.get(event)
    if kinds is None:
        raise KeyError(f"unknown event {event!r}: add it to server.events.SUBSCRIBERS")
    for kind in kinds:
        await jobs.enqueue(conn, kind, {"event": event, **payload}, now=now)

