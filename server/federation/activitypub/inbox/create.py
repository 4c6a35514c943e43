"""Create: a remote post (Note, Question; Article, Page and the like shown as best we can).

The post is believed only as its origin vouches for it (see posts.py), stored once however
often it is delivered, and dropped when its author deleted it before it got here.
"""

from __future__ import annotations

from server.federation import vocabulary as v
from server.federation.activitypub.inbox import posts, tombstones
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.polls import inbound as polls_inbound
from server.statuses import remote


async def handle_create(ctx: InboxContext, activity: v.Create) -> Outcome:
    if activity.note is not None:
        # A Note answering one of our polls (or proposals) is a vote, not a post.
        vote = await polls_inbound.handle_vote_create(ctx, activity)
        if vote is not None:
            return vote
    note = await posts.verified_note(ctx.job, activity.note, object_uri=activity.object_uri,
                                     actor_uri=activity.actor_uri)
    # One connection for everything known before storing: the usual Create needs no other.
    async with ctx.db.acquire() as conn:
        deleted, stored = await tombstones.post_arrival(conn, uri=note.uri,
                                                        actor_uri=activity.actor_uri, now=ctx.now())
        if deleted:
            return ignored("the post was deleted before it arrived")
        if stored:
            return ignored("the post is already stored")
        author = await posts.stored_author(conn, ctx.job, note)
        unknown = await posts.unknown_mentions(conn, ctx.job, note) if note.mentions else []
    if author is None:
        author = await posts.author_of(ctx.job, note)
    await posts.fetch_mentions(ctx.job, unknown)
    async with ctx.db.transaction() as conn:
        status = await remote.store_remote_status(conn, note=note, author=author,
                                                  config=ctx.config, now=ctx.now())
    return PROCESSED if status is not None else ignored("the post is already stored")
