"""Out-of-order activities: an Undo or Delete can overtake the activity it cancels (they
travel as separate deliveries, retried separately). The cancelled id is remembered for a
while, so when the late Create, Announce, Like or Follow finally comes it is dropped instead
of bringing back what its author already took back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from server.db import Conn
from server.federation.activitypub.inbox import queries

KEEP = timedelta(days=7)


async def remember(conn: Conn, *, uri: str, actor_uri: str, now: datetime) -> None:
    await queries.delete_old_tombstones(conn, before=now - KEEP)
    await queries.remember_tombstone(conn, uri=uri, actor_uri=actor_uri, now=now)


async def arrived_first(conn: Conn, *, uri: str, actor_uri: str, now: datetime) -> bool:
    """Whether this actor already undid or deleted `uri`."""
    return await queries.has_tombstone(conn, uri=uri, actor_uri=actor_uri, since=now - KEEP)


async def post_arrival(conn: Conn, *, uri: str, actor_uri: str, author_uri: str,
                       now: datetime) -> queries.PostArrival:
    """For a post about to be created: whether this actor already deleted it, whether it is
    stored already, and its stored author."""
    return await queries.get_post_arrival(conn, uri=uri, actor_uri=actor_uri, since=now - KEEP,
                                          author_uri=author_uri)


async def post_arrivals(conn: Conn, *, posts: list[tuple[str, str, str]],
                        now: datetime) -> list[queries.PostArrival]:
    """post_arrival for each (uri, actor_uri, author_uri), in one round trip."""
    return await queries.get_post_arrivals(conn, posts=posts, since=now - KEEP)
