"""The quoted author's server answers a member's QuoteRequest: an Accept whose `result` is
its authorisation stamp, or a Reject. Taken as Mastodon takes them: the Accept, signed by the
quoted author, vouches as much as the stamp would (the stamp must still be on that author's
host); then the quoting Note goes out again (Update) naming the stamp, so every server that
shows the post can check it."""

from __future__ import annotations

from datetime import datetime

from server import events
from server.accounts.queries import Account
from server.db import Conn
from server.federation import uris
from server.quotes import queries as q


async def revoked(conn: Conn, *, actor: Account, stamp_uri: str, now: datetime) -> bool:
    """The quoted author's server withdrew a stamp (Delete of it): whether it allowed any
    quote here. A member's quoting Note goes out again without it."""
    found = await q.revoke_by_approval(conn, approval_uri=stamp_uri, account_id=actor.id,
                                       now=now)
    for status_id, local in found:
        if local:
            await events.emit(conn, "status.updated", {"status_id": status_id}, now=now)
    return bool(found)


async def answered(conn: Conn, *, actor: Account, request_uri: str, accepted: bool,
                   result: str | None, now: datetime) -> bool:
    """Whether it answered a pending request of ours."""
    if accepted and (result is None or not uris.same_host(result, actor.uri)):
        return False
    status_id = await q.answer_request(
        conn, activity_uri=request_uri, account_id=actor.id,
        state=q.ACCEPTED if accepted else q.REJECTED,
        approval_uri=result if accepted else None, now=now)
    if status_id is None:
        return False
    await events.emit(conn, "status.updated", {"status_id": status_id}, now=now)
    return True
