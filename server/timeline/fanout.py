"""Job handlers that keep home feeds filled on write (DESIGN.md §2).

Fan-out is one INSERT ... SELECT per status, so even an author with ten thousand local
followers costs one statement: for local posts in a job run after the post's transaction has
committed, for remote ones inside the transaction that stores them (their processing is
already a job).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.accounts import queries as accounts_q
from server.db import Conn
from server.jobs.context import JobContext
from server.notifications import service as notifications
from server.statuses.queries import Status
from server.streaming import publish
from server.streaming import queries as streaming_q
from server.timeline import queries

FEED_SIZE = 800          # entries kept per home feed
BACKFILL = 40            # posts brought in when you follow someone


async def fanout_status(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Its COMMIT, which is also when the streams hear of the post, does not wait for the
    WAL flush. That is safe: the status itself was committed durably by the post, and this
    job's row is deleted only by a later, flushed commit (which flushes this one first), so
    a crash in between leaves the job to run again, and the fan-out is idempotent. The
    committed transaction leaves nothing for the pool's reset query to undo either."""
    status_id = int(payload["status_id"])
    async with ctx.db.acquire_plain() as conn, conn.transaction():
        found = await queries.get_status_to_fan_out(conn, status_id=status_id)
        if found is None or found[0].deleted_at is not None:
            return
        await fan_out(conn, status=found[0], now=ctx.clock.now(), facts=found[1], planned=True)


async def fan_out(conn: Conn, *, status: Status, now: datetime,
                  facts: dict[str, Any] | None = None, planned: bool = False) -> None:
    """Home feeds, streams and bell notifications for a new status, in the caller's
    transaction. Local posts get it from the job above; remote posts and boosts call it as
    they are stored, which spares each incoming post a job of its own. `facts` are those of
    streaming_q.get_stream_facts, when the caller knows them already; `planned` when the
    transaction reuses the session's plans already (queries.plan_once)."""
    if not planned:
        await queries.plan_once(conn)
    # The batched statement with one id: the same rules fill the feeds and find the bells
    # and the lists whose timeline this status is on (their owners' streams).
    rung, lists = await queries.fanout_statuses(conn, status_ids=[status.id], now=now)
    bells = [follower_id for _, follower_id in rung]
    if facts is None:
        facts = await streaming_q.get_stream_facts(conn, status_id=status.id)
    streams = publish.public_streams(facts) if facts else []
    streams += [f"list:{list_id}" for list_id in lists.get(status.id, [])]
    await publish.status_published(conn, status_id=status.id, home=True, streams=streams)
    if status.visibility == "direct" and status.reblog_of_id is None:
        # Each local participant's `direct` stream hears of the conversation.
        participants = await streaming_q.list_direct_participants(conn, status_id=status.id)
        for account_id in participants:
            await publish.conversation_updated(conn, account_id=account_id, status_id=status.id)
    # Followers who rang the bell hear about new original public and unlisted posts
    # (Mastodon's "notify"); the fan-out statement found them.
    for follower_id in bells:
        follower = await accounts_q.get_account(conn, account_id=follower_id)
        if follower is not None:
            await notifications.notify(conn, recipient=follower, sender_id=status.account_id,
                                       type_="status", status_id=status.id, now=now)


async def status_deleted(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        await queries.remove_status_from_feeds(conn, status_id=int(payload["status_id"]))


async def follow_created(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        follower = await accounts_q.get_account(conn, account_id=int(payload["account_id"]))
        if follower is None or not follower.local:
            return
        await queries.backfill_home_feed(conn, follower_id=follower.id,
                                         followed_id=int(payload["target_account_id"]), limit=BACKFILL)
        await queries.trim_home_feeds(conn, keep=FEED_SIZE, account_id=follower.id)


async def trim_feeds(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Hourly: fan-out only adds, so every feed is cut back to its newest FEED_SIZE here
    rather than on each insert."""
    async with ctx.db.transaction() as conn:
        await queries.trim_home_feeds(conn, keep=FEED_SIZE)


async def follow_removed(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        await queries.remove_author_from_feed(conn, owner_id=int(payload["account_id"]),
                                              author_id=int(payload["target_account_id"]))


async def block_created(ctx: JobContext, payload: dict[str, Any]) -> None:
    """A block ends the follows both ways, so each side's feed loses the other's posts."""
    one, other = int(payload["account_id"]), int(payload["target_account_id"])
    async with ctx.db.transaction() as conn:
        await queries.remove_author_from_feed(conn, owner_id=one, author_id=other)
        await queries.remove_author_from_feed(conn, owner_id=other, author_id=one)
