"""Keeping unverified inbox POSTs, and the job that verifies them later."""

from __future__ import annotations

import json
import logging
import time
import weakref
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg

from server import jobs
from server.errors import ActorMismatchError, BadRequestError, RateLimitedError, SignatureError
from server.federation import uris
from server.db.coalesce import Coalescer
from server.federation.activitypub import keyring
from server.federation.activitypub.sigcore import ParsedSignature
from server.federation.activitypub.unverified import queries as q
from server.federation.queries import ActorRef
from server.ids import new_id
from server.jobs.context import JobContext

log = logging.getLogger(__name__)

JOB_KIND = "federation.verify_inbox_item"
PROCESS_JOB = "federation.process_inbox_item"  # inbox_routes.PROCESS_JOB
# Bounds on what waits, so unsigned-by-a-known-key traffic cannot fill the database: one
# host may have MAX_PER_HOST POSTs waiting (a busy server's new accounts, a relay), all
# hosts together MAX_TOTAL. Beyond them the sender is asked to come back later.
MAX_PER_HOST = 500
MAX_TOTAL = 10_000
RETRY_AFTER_SECONDS = 60
# A key server that stays down: the job retries with backoff (15 s, 30 s, ...) and gives
# up once the POST is this old, as the Date window would refuse it by then anyway.
GIVE_UP_AFTER = timedelta(hours=1)
JOB_ATTEMPTS = 30
# A row its job never deleted (the job failed on a bug, or was lost) stops counting against
# the bounds this long after it arrived, and is purged by later POSTs, a few at a time.
STALE_AFTER = timedelta(hours=2)
PURGED_PER_POST = 10
# The verify jobs of one host run at most this many at a time (ordered queues keyed by
# host and actor): a slow or silent key server then holds that many of the job workers'
# slots, not all of them, and one actor's POSTs are verified in order, so its second
# finds the key the first one fetched.
LANES_PER_HOST = 4
# POSTs kept by one statement pipeline and commit, at most (Keeper).
MAX_BATCH = 64

# Counting every waiting row for the total bound costs the POST ~2 ms of PostgreSQL once
# 10,000 wait: just when an overload has filled the backlog (the verify lane yields to the
# web side then, slots.py). So a process counts the total again only after
# TOTAL_RECOUNT_SECONDS while its last count was more than TOTAL_MARGIN under the bound
# (more POSTs than one process defers in that time), and on every POST near the bound.
TOTAL_RECOUNT_SECONDS = 0.5
TOTAL_MARGIN = 2_000

# Why verified-later POSTs were dropped, in this process (also logged one by one).
DROPPED: Counter[str] = Counter()
# The last total counted, per database: (time.monotonic(), count).
_last_total: weakref.WeakKeyDictionary[Any, tuple[float, int]] = weakref.WeakKeyDictionary()


def _near_bound(db: Any) -> bool:
    last = _last_total.get(db)
    return last is None or MAX_TOTAL - last[1] <= TOTAL_MARGIN


def _total_due(db: Any) -> bool:
    last = _last_total.get(db)
    return (last is None or MAX_TOTAL - last[1] <= TOTAL_MARGIN
            or time.monotonic() - last[0] >= TOTAL_RECOUNT_SECONDS)


class InboxBacklogFullError(RateLimitedError):
    """Too many POSTs wait for their keys (from this host, or in all): try again later."""

    status = 503
    code = "inbox_backlog_full"


def raw_text(body: bytes, doc: dict[str, Any]) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:  # JSON may also arrive as UTF-16 or UTF-32
        return json.dumps(doc)


@dataclass(frozen=True, slots=True)
class Deferral:
    key_owner: ActorRef | None = None  # the database has the key: verify the POST now
    dropped: str | None = None         # the inbox's policy drops it: why (nothing kept)


async def defer(ctx: JobContext, *, parsed: ParsedSignature, activity_id: str, actor_uri: str,
                type: str, raw_json: str, inbox_account_id: int | None,
                deletes_actor: bool = False) -> Deferral:
    """Keep the POST for the verify job, unless the inbox's policy drops it (the sender's
    domain or the actor suspended; `deletes_actor`, a Delete of its own actor, from an actor
    never known), decided in the same statement, or the database has its key after all:
    then nothing is kept and the outcome says which, for the caller to drop the POST or
    verify it now. Nothing is kept either when it was already waiting or stored. Raises
    InboxBacklogFullError (503 with Retry-After) when the bounds are reached."""
    now = ctx.clock.now()
    host = uris.host_of(parsed.key_id)
    lane = zlib.crc32(actor_uri.encode("utf-8", "surrogatepass")) % LANES_PER_HOST
    item = q.ItemToDefer(
        item_id=new_id(), activity_id=activity_id, actor_uri=actor_uri, type=type, host=host,
        raw_json=raw_json, ordering_key=f"{JOB_KIND}:{host}:{lane}",
        inbox_account_id=inbox_account_id, received_at=now, parsed=parsed,
        domains=uris.domain_suffixes(uris.host_of(actor_uri)), deletes_actor=deletes_actor)
    try:
        # kept together with the other new senders' POSTs of this moment (one commit)
        outcome = await keeper_for(ctx).keep(item)
    except asyncpg.DataError:
        # e.g. a NUL escaped in the text, which PostgreSQL's text refuses
        raise BadRequestError("The activity contains text that cannot be stored.") from None
    if outcome.dropped is not None:
        return Deferral(dropped=outcome.dropped)
    if outcome.key_owner is not None:
        return Deferral(key_owner=outcome.key_owner)
    if not outcome.has_room and not outcome.seen:
        log.warning("inbox: backlog of unverified activities full, refused %s %s from %s",
                    type, activity_id, actor_uri)
        raise InboxBacklogFullError("Too many activities wait for their signers' keys; "
                                    "try again later.", retry_after=RETRY_AFTER_SECONDS)
    return Deferral()


class Keeper:
    """The group commit of new senders' POSTs, one per database pool (so per process): POSTs
    kept at the same moment go in one pipeline of defer_unverified statements, committed
    once. Each commit costs PostgreSQL a WAL flush; at saturation the new senders' POSTs
    (W3: one in ten) each paid one of their own while the known senders' rows shared theirs
    (inbox_store). Each row is still decided on its own, in order, and each POST answered
    once its row is committed; a row PostgreSQL refuses fails only its own POST (the batch
    is sent again one row at a time, coalesce.py)."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.wakeups = jobs.wakeups_for(db)
        self._rows: Coalescer[q.ItemToDefer, q.DeferOutcome] = Coalescer(
            self._write, max_batch=MAX_BATCH, refused=(asyncpg.DataError,),
            name="unverified keeper")

    async def keep(self, item: q.ItemToDefer) -> q.DeferOutcome:
        return await self._rows(item)

    async def _write(self, items: list[q.ItemToDefer]) -> list[q.DeferOutcome]:
        now = items[0].received_at  # the injected clock's, read by the first POST
        # the total is counted by the first row of a batch when due, by every row near the
        # bound (rows kept earlier in the batch are counted by the later ones)
        due = _total_due(self.db)
        near = due and _near_bound(self.db)
        count = [due and (i == 0 or near) for i in range(len(items))]
        # A burst of new actors would otherwise send a NOTIFY with every kept POST (in
        # PostgreSQL 16 each such commit holds a database-wide lock until it is flushed).
        notify = self.wakeups.leading(JOB_KIND)
        async with self.db.acquire_plain() as conn:
            outcomes = await q.defer_unverified_many(
                conn, items=items, per_host=MAX_PER_HOST, total=MAX_TOTAL, job_kind=JOB_KIND,
                channel=jobs.NOTIFY_CHANNEL if notify else None, job_attempts=JOB_ATTEMPTS,
                stale_before=now - STALE_AFTER, purge_limit=PURGED_PER_POST,
                count_total=count)
        counted = [o.total for o in outcomes if o.total is not None]
        if counted:
            _last_total[self.db] = (time.monotonic(), max(counted))
        if any(o.kept for o in outcomes):
            self.wakeups.committed(JOB_KIND, notified=notify)
        return outcomes


_KEEPERS: weakref.WeakKeyDictionary[Any, Keeper] = weakref.WeakKeyDictionary()


def keeper_for(ctx: JobContext) -> Keeper:
    keeper = _KEEPERS.get(ctx.db)
    if keeper is None:
        keeper = _KEEPERS[ctx.db] = Keeper(ctx.db)
    return keeper


async def verify_inbox_item(ctx: JobContext, payload: dict[str, Any]) -> None:
    """The job: fetch the key, verify, then store for processing or drop. Idempotent: the
    row is deleted last, and storing an activity id twice stores it once."""
    async with ctx.db.acquire_plain() as conn:
        item = await q.get_unverified(conn, item_id=int(payload["item_id"]))
    if item is None:
        return
    try:
        key = await keyring.signer_for(ctx, item.signature, stored=item.key_owner)
        if key.owner_uri != item.actor_uri:
            raise ActorMismatchError("The signing key does not belong to the activity's actor.")
    except keyring.KeyUnavailableError as exc:
        if ctx.clock.now() - item.received_at < GIVE_UP_AFTER:
            raise jobs.RetryLaterError(exc.message) from None
        await _drop(ctx, item, "key_unavailable", exc.message)
        return
    except (SignatureError, ActorMismatchError) as exc:
        await _drop(ctx, item, str(exc.detail.get("reason", exc.code)), exc.message)
        return
    await _hand_over(ctx, item, key.key_id)


async def _hand_over(ctx: JobContext, item: q.Unverified, signed_by: str) -> None:
    """To the ordinary inbox storage, in the statement that also deletes the kept row
    (suspensions re-checked, a redelivery stored once); then its processing job runs."""
    # A burst of new actors hands over a POST per verified key: one NOTIFY per quiet
    # spell wakes the processing workers, not one per POST (see jobs.WakeUps).
    wakeups = jobs.wakeups_for(ctx.db)
    notify = wakeups.leading(PROCESS_JOB)
    try:
        async with ctx.db.acquire_plain() as conn:
            outcome = await q.hand_over_unverified(
                conn, item_id=item.id, new_item_id=new_id(), signed_by=signed_by,
                domains=uris.domain_suffixes(uris.host_of(item.actor_uri)),
                job_kind=PROCESS_JOB, channel=jobs.NOTIFY_CHANNEL if notify else None)
    except asyncpg.DataError:  # a lone UTF-16 surrogate, which jsonb refuses
        await _drop(ctx, item, "unstorable", "text that cannot be stored")
        return
    if outcome.stored:
        wakeups.committed(PROCESS_JOB, notified=notify)
    if outcome.found and (outcome.domain_suspended or outcome.actor_suspended):
        DROPPED["suspended"] += 1
        log.info("inbox: dropped unverified %s %s from %s (sender suspended)", item.type,
                 item.activity_id, item.actor_uri)


async def _drop(ctx: JobContext, item: q.Unverified, reason: str, message: str) -> None:
    DROPPED[reason] += 1
    log.info("inbox: dropped unverified %s %s from %s (%s)", item.type, item.activity_id,
             item.actor_uri, message)
    async with ctx.db.acquire_plain() as conn:
        await q.delete_unverified(conn, item_id=item.id)
