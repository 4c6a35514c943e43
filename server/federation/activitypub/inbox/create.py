"""Create: a remote post (Note, Question; Article, Page and the like shown as best we can).

The post is believed only as its origin vouches for it (see posts.py), stored once however
often it is delivered, and dropped when its author deleted it before it got here.
"""

from __future__ import annotations

from server.accounts.queries import Account
from server.db import Conn
from server.federation import vocabulary as v
from server.federation.activitypub.inbox import posts, tombstones
from server.federation.activitypub.inbox.context import InboxContext, Outcome, ignored
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
    # The usual Create (author known and fresh, mentions known) is checked, stored and marked
    # processed in one transaction on one connection.
    async with ctx.transaction() as conn:
        arrival = await tombstones.post_arrival(conn, uri=note.uri, actor_uri=activity.actor_uri,
                                                author_uri=note.author_uri, now=ctx.now())
        if arrival.tombstoned:
            return ignored("the post was deleted before it arrived")
        if arrival.stored:
            return ignored("the post is already stored")
        author = posts.usable_as_stored(ctx.job, arrival.author)
        unknown = await posts.unknown_mentions(conn, ctx.job, note) if note.mentions else []
        if author is not None and not unknown:
            return await _store(ctx, conn, note, author)
    # Otherwise fetch what is missing with no transaction open, then store.
    if author is None:
        author = await posts.author_of(ctx.job, note)
    await posts.fetch_mentions(ctx.job, unknown)
    async with ctx.transaction() as conn:
        return await _store(ctx, conn, note, author)


async def _store(ctx: InboxContext, conn: Conn, note: v.Note, author: Account) -> Outcome:
    status = await remote.store_remote_status(conn, note=note, author=author, config=ctx.config,
                                              now=ctx.now())
    if status is None:
        return ignored("the post is already stored")
    return await ctx.record_processed(conn)
