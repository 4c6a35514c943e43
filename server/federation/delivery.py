"""Durable outbound delivery: one signed POST per target inbox, as a job.

- One job per inbox (shared inboxes make that one per server, not per follower), so a
  post to ten thousand followers on 1,800 servers is 1,800 POSTs.
- Jobs for one inbox share an ordering key: a Delete never overtakes its Create.
- Passing failures (5xx, 429, timeouts, refused connections) retry with exponential
  backoff for more than two days; then the job ends `failed` with the last reason.
  A 4xx other than 408/429 means the remote will never take it: failed at once.
- A host that keeps failing is marked unavailable: its deliveries wait longer between
  tries instead of hammering it, and the first success clears the mark.
- The activity is serialized once per fan-out and stored once (delivery_payloads); the jobs
  refer to it, and a worker keeps recent bodies in memory, so 1,800 jobs are not 1,800
  copies to write, read back and re-serialize.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.payload import BytesPayload
from yarl import URL

from server import jobs, jsonio
from server.db import Conn
from server.db.coalesce import ROW_REFUSED, Coalescer
from server.federation import queries
from server.federation.activitypub import instance_actor, signatures
from server.jobs import PermanentJobError, RetryLaterError
from server.jobs.context import JobContext
from server.jobs.registry import JobHandler
from server.jobs.worker import Worker

log = logging.getLogger(__name__)

KIND = "federation.deliver"
INSTANCE_ACTOR_ID = 0                  # the sender id of what the instance actor signs (no account has it)
KINDS = frozenset({KIND})
DELIVERY_BATCH = 50                    # jobs per claim: filling 128 slots takes three round trips
MAX_ATTEMPTS = 20                      # with the queue's backoff: about 62 hours of trying
UNAVAILABLE_AFTER = 8                  # consecutive failures ...
UNAVAILABLE_SPAN = timedelta(hours=1)  # ... spread over at least this long
UNAVAILABLE_RETRY = timedelta(hours=6)
SUCCESS_RECORD_EVERY = timedelta(minutes=1)  # keep in step with record_delivery_successes
TIMEOUT = aiohttp.ClientTimeout(total=20, connect=10)
ACTIVITY_CONTENT_TYPE = 'application/activity+json'
PAYLOADS_KEPT_FOR = timedelta(days=7)  # > MAX_ATTEMPTS tries at most 6 h apart
PAYLOADS_PURGED_PER_POST = 20          # old bodies dropped by each fan-out, a few at a time
BODIES_CACHED = 64                     # recent bodies kept by a worker (one per fan-out)
COALESCED_AT_MOST = 500                # keys in one context read or success write

# (the sender's private key PEM and key id, or None when the account is gone; the host's health)
Context = tuple[tuple[str, str] | None, queries.DeliveryHost | None]


def make_workers(ctx: JobContext, handlers: dict[str, JobHandler], *, job_workers: int,
                 delivery_workers: int) -> list[Worker]:
    """The job workers of one process. Deliveries are I/O-bound: a POST waits tens to hundreds
    of milliseconds on the remote server and holds no database connection meanwhile, so they
    get a worker of their own with many in flight (1,800 inboxes at 50 ms each take 2.8 s of
    waiting with 32 slots, 0.7 s with 128); everything else keeps `job_workers` slots."""
    if delivery_workers <= 0:
        return [Worker(ctx, handlers, concurrency=job_workers)]
    return [Worker(ctx, handlers, concurrency=job_workers, skip=KINDS),
            Worker(ctx, handlers, concurrency=delivery_workers, only=KINDS, batch=DELIVERY_BATCH)]


async def enqueue_deliveries(conn: Conn, *, actor_id: int, activity: dict[str, Any],
                             inboxes: Iterable[str], now: datetime) -> int:
    """One delivery job per distinct inbox, in the caller's transaction: the body once, then
    the jobs that refer to it in one INSERT."""
    targets = sorted(set(inboxes))
    if not targets:
        return 0
    payload_id = await queries.insert_delivery_payload(
        conn, body=jsonio.dumpb(activity), now=now, purge_before=now - PAYLOADS_KEPT_FOR,
        purge_limit=PAYLOADS_PURGED_PER_POST)
    return await jobs.enqueue_many(
        conn, KIND, [{"inbox": inbox, "actor_id": actor_id, "payload_id": payload_id}
                     for inbox in targets],
        now=now, max_attempts=MAX_ATTEMPTS, ordering_keys=[f"inbox:{inbox}" for inbox in targets])


@lru_cache(maxsize=4096)
def _private_key(pem: str) -> Any:
    # Parsing a PEM costs more than signing; keys are reused across thousands of deliveries.
    return signatures.load_private_key(pem)


@lru_cache(maxsize=4096)
def _target(inbox: str) -> tuple[str, URL]:
    """(host as the health table keys it, parsed URL): parsed once per inbox, not per POST."""
    return urlsplit(inbox).netloc, URL(inbox)


async def deliver(ctx: JobContext, payload: dict[str, Any]) -> None:
    inbox = str(payload["inbox"])
    host, url = _target(inbox)
    now = ctx.clock.now()
    key, health = await _context_reads(ctx)((int(payload["actor_id"]), host))
    if key is None:
        raise PermanentJobError("the sending account no longer exists")
    if health is not None and health.unavailable_since is not None and \
            health.last_failure_at is not None and now - health.last_failure_at < UNAVAILABLE_RETRY:
        raise RetryLaterError(f"{host} is marked unavailable since {health.unavailable_since:%Y-%m-%d %H:%M}",
                              delay_seconds=UNAVAILABLE_RETRY.total_seconds())
    body, data = await _body(ctx, payload)
    private_pem, key_id = key
    headers = signatures.sign_request(
        method="POST", url=inbox, body=body, key_id=key_id, private_key=_private_key(private_pem),
        now=now, extra_headers={"Content-Type": ACTIVITY_CONTENT_TYPE})
    try:
        status, retry_after = await _post(ctx, url, data, headers)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        await _failed(ctx, host, f"{type(exc).__name__}: {exc}".strip(), now)
        raise RetryLaterError(f"could not reach {host}: {type(exc).__name__} {exc}") from None
    if 200 <= status < 300:
        if _success_worth_recording(health, now):
            await _record_success(ctx, host)
        return
    reason = f"{inbox} answered HTTP {status}"
    if status in (408, 429) or status >= 500:
        await _failed(ctx, host, reason, now)
        raise RetryLaterError(reason, delay_seconds=retry_after)
    raise PermanentJobError(reason)


def _context_reads(ctx: JobContext) -> Coalescer[tuple[int, str], Context]:
    """(sender account id, host) -> what the delivery needs before it POSTs. A worker starts
    the jobs of a claim together, so fifty deliveries cost one read instead of fifty. The
    callers go on one per turn of the loop: each signs before it POSTs (most of a
    millisecond of CPU), and fifty going on at once would hold the loop that long, with the
    process's web requests and the answers to earlier POSTs waiting."""
    reads = ctx.extra.get("delivery_contexts")
    if reads is None:
        async def read(pairs: list[tuple[int, str]]) -> list[Context]:
            async with ctx.db.acquire_plain() as conn:
                return await queries.get_delivery_contexts(
                    conn, pairs=pairs, instance_key_id=instance_actor.key_id(ctx.config))
        reads = ctx.extra["delivery_contexts"] = Coalescer(
            read, max_batch=COALESCED_AT_MOST, refused=ROW_REFUSED, distinct=True,
            one_per_turn=True, name="delivery context reader")
    return reads


def _success_writes(ctx: JobContext) -> Coalescer[str, None]:
    """host -> its success recorded (at the time its statement runs). Answers from many
    servers arrive in one poll of the loop: their hosts go in one statement."""
    writes = ctx.extra.get("delivery_successes")
    if writes is None:
        async def record(hosts: list[str]) -> list[None]:
            async with ctx.db.acquire_plain() as conn:
                await queries.record_delivery_successes(conn, hosts=hosts, now=ctx.clock.now())
            return [None] * len(hosts)
        writes = ctx.extra["delivery_successes"] = Coalescer(
            record, max_batch=COALESCED_AT_MOST, refused=ROW_REFUSED, distinct=True,
            one_per_turn=True, name="delivery success writer")
    return writes


async def _record_success(ctx: JobContext, host: str) -> None:
    """The remote took the POST, so the job is done whatever happens here: failing it would
    send the activity again (a duplicate at an inbox that does not de-duplicate, or a
    Delete resent after a re-Create). A success that cannot be written (PostgreSQL refused
    this host's row, or could not be reached) is written by the host's next delivery: the
    health it reads still shows the failures or the old success, so it asks again."""
    try:
        await _success_writes(ctx)(host)
    except Exception as exc:
        log.warning("delivery to %s succeeded; recording the success failed (%s: %s)",
                    host, type(exc).__name__, exc)


async def _body(ctx: JobContext, payload: dict[str, Any]) -> tuple[bytes, BytesPayload]:
    """The bytes to POST, and the same as the HTTP client's body: the fan-out's stored body,
    read once per worker and then kept. The first of many jobs starting at once reads it and
    the others await that same read. The cache lives in the worker's context, so it never
    outlives its database. The client's body is made once too: a BytesPayload is not used up
    by sending it, and making one for each POST was most of the client's work on the body."""
    if "activity" in payload:  # a job queued before bodies were stored apart
        body = jsonio.dumpb(payload["activity"])
        return body, BytesPayload(body, content_type=ACTIVITY_CONTENT_TYPE)
    payload_id = int(payload["payload_id"])
    cache: OrderedDict[int, asyncio.Future[tuple[bytes, BytesPayload] | None]] = \
        ctx.extra.setdefault("delivery_bodies", OrderedDict())
    read = cache.get(payload_id)
    if read is None:
        read = cache[payload_id] = asyncio.ensure_future(_read_body(ctx, payload_id))
        if len(cache) > BODIES_CACHED:
            cache.popitem(last=False)
    try:
        found = await asyncio.shield(read)
    except Exception:
        if cache.get(payload_id) is read:  # a failed read is not kept: the next job retries it
            del cache[payload_id]
        raise
    if found is None:
        raise PermanentJobError("the activity to deliver is no longer stored")
    return found


async def _read_body(ctx: JobContext, payload_id: int) -> tuple[bytes, BytesPayload] | None:
    async with ctx.db.acquire_plain() as conn:
        body = await queries.get_delivery_payload(conn, payload_id=payload_id)
    return None if body is None else (body, BytesPayload(body, content_type=ACTIVITY_CONTENT_TYPE))


def _success_worth_recording(health: queries.DeliveryHost | None, now: datetime) -> bool:
    """The same test as record_delivery_successes' WHERE, on the row read before the POST: a
    healthy host that succeeded within the last minute needs no write (nor its round trips)."""
    return (health is None or health.consecutive_failures > 0 or health.last_success_at is None
            or health.last_success_at < now - SUCCESS_RECORD_EVERY)


async def _post(ctx: JobContext, url: URL, data: BytesPayload, headers: dict[str, str]
                ) -> tuple[int, float | None]:
    assert ctx.http is not None, "delivery needs the HTTP client session"
    async with ctx.http.post(url, data=data, headers=headers, timeout=TIMEOUT,
                             allow_redirects=False, auto_decompress=False) as response:
        await response.read()
        retry_after = response.headers.get("Retry-After", "")
        return response.status, float(retry_after) if retry_after.isdigit() else None


async def _failed(ctx: JobContext, host: str, error: str, now: datetime) -> None:
    async with ctx.db.acquire_plain() as conn:  # one statement, atomic on its own
        health = await queries.record_delivery_failure(conn, host=host, now=now, error=error,
                                                       threshold=UNAVAILABLE_AFTER,
                                                       span=UNAVAILABLE_SPAN)
    if health is not None and health.unavailable_since == now:
        log.warning("delivery host %s marked unavailable after %d failures", host,
                    health.consecutive_failures)
