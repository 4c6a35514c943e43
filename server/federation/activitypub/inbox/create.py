"""Create: a remote post (Note, Question; Article, Page and the like shown as best we can).

The post is believed only as its origin vouches for it (see posts.py), stored once however
often it is delivered, and dropped when its author deleted it before it got here.
"""

from __future__ import annotations

from server.federation import vocabulary as v
from server.federation.activitypub.inbox import posts, tombstones
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.polls import inbound as polls_inbound
from server.statuses import queries as statuses_q
from server.statuses import remote


async def handle_create(ctx: InboxContext, activity: v.Create) -> Outcome:
    if activity.note is not None:
        # A Note answering one of our polls (or proposals) is a vote, not a post.
        vote = await polls_inbound.handle_vote_create(ctx, activity)
        if vote is not None:
            return vote
    note = await posts.verified_note(ctx.job, activity.note, object_uri=activity.object_uri,
                                     actor_uri=activity.actor_uri)
    async with ctx.db.acquire() as conn:
        if await tombstones.arrived_first(conn, uri=note.uri, actor_uri=activity.actor_uri,
                                          now=ctx.now()):
            return ignored("the post was deleted before it arrived")
        if await statuses_q.get_status_by_uri(conn, uri=note.uri) is not None:
            return ignored("the post is already stored")
    author = await posts.author_of(ctx.job, note)
    await posts.resolve_mentions(ctx.job, note)
    async with ctx.db.transaction() as conn:
        status = await remote.store_remote_status(conn, note=note, author=author,
                                                  config=ctx.config, now=ctx.now())
    return PROCESSED if status is not None else ignored("the post is already stored")
