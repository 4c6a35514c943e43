"""Many plain Creates in one transaction: what handle_create does for the usual case (the
post embedded by its own server, its author stored and fresh, every mention known), with the
per-transaction costs (BEGIN, COMMIT, the item's read and its finish) paid once per batch.

The plainest posts (see plain_posts.py) are stored together in multi-row statements; the
others in the batch one after another with store_remote_status, in the same transaction.
Anything less plain is left to handle_create, one by one: a post that must be fetched, an
author to fetch or refresh, an unknown mention, a possible poll vote. Such items are not
touched here, so the one-by-one run finds them as they arrived.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.accounts.queries import Account
from server.federation import uris
from server.federation import vocabulary as v
from server.federation.activitypub import queries as ap_q
from server.federation.activitypub.inbox import plain_posts, posts, tombstones
from server.federation.activitypub.inbox import queries as inbox_q
from server.federation.activitypub.inbox.context import PROCESSED, Outcome, ignored
from server.federation.activitypub.queries import InboxItem
from server.jobs.context import JobContext
from server.statuses import remote


@dataclass(frozen=True, slots=True)
class PlainCreate:
    item: InboxItem
    activity: v.Create
    note: v.Note


def _stored(stored: bool) -> Outcome:
    # Not stored: the same post came twice in this batch, or a concurrent delivery stored it.
    return PROCESSED if stored else ignored("the post is already stored")


def batchable(item: InboxItem, activity: v.Create) -> PlainCreate | None:
    """The Create when it can go in a batch as it stands (nothing to fetch first)."""
    note = activity.note
    if note is None or not uris.same_host(note.uri, activity.actor_uri):
        return None  # the post is fetched from its origin first
    if note.name and note.in_reply_to:
        return None  # may be a vote on one of our polls (polls.inbound decides)
    return PlainCreate(item, activity, note)


async def store_creates(ctx: JobContext, creates: list[PlainCreate]) -> dict[int, Outcome]:
    """Store the posts that need nothing fetched, and mark their items, in one transaction.
    Returns the outcome per item id; items missing from it were left untouched."""
    now = ctx.clock.now()
    outcomes: dict[int, Outcome] = {}
    plain: list[tuple[PlainCreate, plain_posts.Post]] = []
    richer: list[tuple[PlainCreate, Account]] = []
    # Same commit mode as InboxContext.transaction (see there why a lost commit is harmless).
    async with ctx.db.acquire_plain() as conn, conn.transaction():
        await inbox_q.commit_without_flush(conn)
        arrivals = await tombstones.post_arrivals(
            conn, posts=[(c.note.uri, c.activity.actor_uri, c.note.author_uri) for c in creates],
            now=now)
        for create, arrival in zip(creates, arrivals, strict=True):
            if arrival.tombstoned:
                outcomes[create.item.id] = ignored("the post was deleted before it arrived")
                continue
            if arrival.stored:
                outcomes[create.item.id] = ignored("the post is already stored")
                continue
            author = posts.usable_as_stored(ctx, arrival.author)
            if author is None:
                continue  # to be fetched or refreshed: one by one
            if plain_posts.is_plain(create.note, author):
                plain.append((create, plain_posts.Post(create.note, author)))
            elif not (create.note.mentions
                      and await posts.unknown_mentions(conn, ctx, create.note)):
                richer.append((create, author))
            # else: a mentioned account to fetch first, one by one
        # Plain posts first: they reply to nothing, and a reply in this batch may answer one.
        stored = await plain_posts.store_plain_posts(conn, posts=[p for _, p in plain], now=now)
        for (create, _), was_stored in zip(plain, stored, strict=True):
            outcomes[create.item.id] = _stored(was_stored)
        for create, author in richer:
            status = await remote.store_remote_status(conn, note=create.note, author=author,
                                                      config=ctx.config, now=now)
            outcomes[create.item.id] = _stored(status is not None)
        await ap_q.finish_inbox_items(
            conn, outcomes=[(item_id, o.state, o.reason) for item_id, o in outcomes.items()],
            now=now)
    return outcomes
