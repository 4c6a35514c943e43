"""What deliveries share when they run together: one read of the senders' keys and hosts'
health for the jobs a worker starts at once, the body's digest, the parsed inbox; over real
HTTP on loopback, every POST still signed and checked by the receiving side."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.db.coalesce import Coalescer
from server.federation import delivery
from server.federation import queries as federation_q
from server.federation.activitypub import cavage, instance_actor, signatures
from server.jobs.context import JobContext
from server.jobs.registry import job_handlers
from server.jobs.worker import Worker
from tests.helpers import make_account


class Inboxes:
    """Shared inboxes on one loopback server, told apart by path; signatures checked."""

    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self.keys: dict[str, str] = {}
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.fail_once: set[str] = set()   # paths answered 503 (Retry-After: 1) the first time

    async def handle(self, request: web.Request) -> web.Response:
        if request.path in self.fail_once:
            self.fail_once.discard(request.path)
            return web.Response(status=503, headers={"Retry-After": "1"})
        body = await request.read()
        parsed = signatures.parse_request_signature(
            method="POST", path_qs=request.path_qs, headers=request.headers, body=body,
            now=self.clock.now(), scheme="http")
        signatures.verify_parsed(parsed, signatures.load_public_key(self.keys[parsed.key_id]))
        self.received.append((request.path, json.loads(body)))
        return web.Response(status=202)


@pytest.fixture
async def inboxes(aiohttp_server: Any, clock: FrozenClock) -> tuple[Inboxes, str]:
    found = Inboxes(clock)
    app = web.Application()
    app.router.add_post("/{name}/inbox", found.handle)
    server = await aiohttp_server(app)
    return found, f"http://127.0.0.1:{server.port}"


def _note(n: int) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"http://ch.test/a/{n}",
            "type": "Create", "actor": "http://ch.test/users/ada",
            "object": {"type": "Note", "content": str(n)}}


async def test_deliveries_started_together_read_their_context_once(
        db: Database, config: Config, clock: FrozenClock, inboxes: tuple[Inboxes, str],
        worker: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    found, base = inboxes
    ada = await make_account(db, config, clock, "ada")
    bob = await make_account(db, config, clock, "bob")
    for sender in (ada, bob):
        found.keys[sender.public_key_id] = sender.public_key_pem
    reads: list[int] = []
    real = federation_q.get_delivery_contexts

    async def counted(conn: Any, *, pairs: list[tuple[int, str]], **kw: Any) -> Any:
        reads.append(len(pairs))
        return await real(conn, pairs=pairs, **kw)

    monkeypatch.setattr(federation_q, "get_delivery_contexts", counted)
    targets = [f"{base}/s{n}/inbox" for n in range(8)]
    async with db.transaction() as conn:
        await delivery.enqueue_deliveries(conn, actor_id=ada.id, activity=_note(1),
                                          inboxes=targets[:6], now=clock.now())
        await delivery.enqueue_deliveries(conn, actor_id=bob.id, activity=_note(2),
                                          inboxes=targets[6:], now=clock.now())
    async with aiohttp.ClientSession() as http:
        # Slots for all of them, as the delivery worker has (128).
        w = Worker(JobContext(db=db, clock=clock, config=config, http=http), job_handlers(),
                   concurrency=16)
        await w.run_until_idle()
    # One host, two senders: two distinct pairs, read once for the eight jobs.
    assert reads == [2]
    assert sorted(path for path, _ in found.received) == sorted(f"/s{n}/inbox" for n in range(8))


async def test_delivery_contexts_come_back_in_the_order_asked(
        db: Database, config: Config, clock: FrozenClock) -> None:
    ada = await make_account(db, config, clock, "ada")
    async with db.acquire() as conn:
        failed = await federation_q.record_delivery_failure(
            conn, host="down.test", now=clock.now(), error="HTTP 503", threshold=8,
            span=timedelta(hours=1))
        assert failed is not None and failed.host == "down.test"
        assert failed.consecutive_failures == 1 and failed.last_error == "HTTP 503"
        pairs = [(ada.id, "down.test"), (-1, "down.test"), (ada.id, "new.test"), (0, "new.test")]
        got = await federation_q.get_delivery_contexts(conn, pairs=pairs,
                                                       instance_key_id="https://ch.test/actor#k")
    (key1, health1), (key2, health2), (key3, health3), (key4, _) = got
    assert key1 is not None and key1[1] == ada.public_key_id and key3 == key1
    assert health1 == failed and health2 == failed and health3 is None
    assert key2 is None and key4 is None    # no instance actor keys made yet
    keys = await instance_actor.get_instance_actor(db, clock)
    async with db.acquire() as conn:
        [(key4, _)] = await federation_q.get_delivery_contexts(
            conn, pairs=[(0, "new.test")], instance_key_id="https://ch.test/actor#k")
    assert key4 is not None and key4[1] == "https://ch.test/actor#k"
    assert signatures.load_private_key(key4[0]) is not None and keys.public_key_pem


async def test_a_failed_context_read_fails_only_the_jobs_that_waited_for_it(
        db: Database, config: Config, clock: FrozenClock, inboxes: tuple[Inboxes, str],
        worker: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    found, base = inboxes
    ada = await make_account(db, config, clock, "ada")
    found.keys[ada.public_key_id] = ada.public_key_pem
    real = federation_q.get_delivery_contexts
    broken = [True]

    async def flaky(conn: Any, *, pairs: list[tuple[int, str]], **kw: Any) -> Any:
        if broken.pop() if broken else False:
            raise OSError("connection lost")
        return await real(conn, pairs=pairs, **kw)

    monkeypatch.setattr(federation_q, "get_delivery_contexts", flaky)
    async with db.transaction() as conn:
        await delivery.enqueue_deliveries(conn, actor_id=ada.id, activity=_note(1),
                                          inboxes=[f"{base}/s{n}/inbox" for n in range(3)],
                                          now=clock.now())
    async with aiohttp.ClientSession() as http:
        w = worker(http=http)
        await w.run_until_idle()          # the read fails: each job is retried later
        assert found.received == []
        clock.advance(timedelta(minutes=1))
        await w.run_until_idle()
    assert len(found.received) == 3


def test_own_headers_sign_the_same_bytes_as_the_general_signing_string() -> None:
    now = datetime(2026, 11, 26, 12, 0, 1, 500, tzinfo=UTC)
    private = signatures.load_private_key(_pem())
    for extra in ({"Content-Type": "application/activity+json"},
                  {"Content-Type": "  application/activity+json\t"},    # trimmed as received
                  {"Content-Type": "a", "content-type": "b"}):           # a name twice
        headers = cavage.sign(method="POST", url="https://r.test:8443/inbox?x=1", body=b"{}",
                              key_id="https://ch.test/k", private_key=private, now=now,
                              extra_headers=extra)
        covered = tuple(headers["Signature"].split('headers="')[1].split('"')[0].split())
        general = cavage.signing_string(covered, "POST", "/inbox?x=1", headers, {})
        assert cavage._own_signing_string(covered, "POST", "/inbox?x=1",
                                          {k: v for k, v in headers.items() if k != "Signature"}
                                          ) == general
        parsed = signatures.parse_request_signature(
            method="POST", path_qs="/inbox?x=1", headers=headers, body=b"{}", now=now)
        signatures.verify_parsed(parsed, private.public_key())
    assert headers["Host"] == "r.test:8443" and headers["Date"] == "Thu, 26 Nov 2026 12:00:01 GMT"


def test_the_digest_follows_the_body_not_the_object() -> None:
    one, same, other = b'{"a": 1}', bytes(bytearray(b'{"a": 1}')), b'{"a": 2}'
    assert cavage._digest_of(one) == signatures.digest_header(one)
    assert cavage._digest_of(same) == signatures.digest_header(one)
    assert cavage._digest_of(other) == signatures.digest_header(other)
    assert signatures.digest_header(other) != signatures.digest_header(one)
    assert cavage.http_date(datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=UTC)) == \
        "Fri, 02 Jan 2026 03:04:05 GMT"


def _pem() -> str:
    from tests.fakes.fediverse import key_pair

    return key_pair(0)[0]


async def test_successes_answered_together_are_written_together_and_clear_failures(
        db: Database, config: Config, clock: FrozenClock, inboxes: tuple[Inboxes, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    found, base = inboxes
    host = base.split("//")[1]
    ada = await make_account(db, config, clock, "ada")
    found.keys[ada.public_key_id] = ada.public_key_pem
    async with db.acquire() as conn:
        await federation_q.record_delivery_failure(conn, host=host, now=clock.now(),
                                                   error="HTTP 503", threshold=8,
                                                   span=timedelta(hours=1))
    writes: list[list[str]] = []
    real = federation_q.record_delivery_successes

    async def counted(conn: Any, *, hosts: list[str], now: datetime) -> None:
        writes.append(list(hosts))
        await real(conn, hosts=hosts, now=now)

    monkeypatch.setattr(federation_q, "record_delivery_successes", counted)
    async with db.transaction() as conn:
        await delivery.enqueue_deliveries(conn, actor_id=ada.id, activity=_note(1),
                                          inboxes=[f"{base}/s{n}/inbox" for n in range(6)],
                                          now=clock.now())
    async with aiohttp.ClientSession() as http:
        w = Worker(JobContext(db=db, clock=clock, config=config, http=http), job_handlers(),
                   concurrency=16)
        await w.run_until_idle()
    assert len(found.received) == 6
    # However the answers bunched, a host is named once per statement, and never more
    # statements than deliveries.
    assert writes and len(writes) <= 6 and all(hosts == [host] for hosts in writes)
    async with db.acquire() as conn:
        health = await federation_q.get_delivery_host(conn, host=host)
    assert health and health.consecutive_failures == 0 and health.last_success_at == clock.now()


async def test_a_retry_goes_by_its_due_time_not_behind_jobs_queued_before_it(
        db: Database, config: Config, clock: FrozenClock, inboxes: tuple[Inboxes, str]) -> None:
    found, base = inboxes
    ada = await make_account(db, config, clock, "ada")
    found.keys[ada.public_key_id] = ada.public_key_pem
    found.fail_once.add("/a/inbox")
    start = clock.now()
    async with db.transaction() as conn:
        # Queued first (a smaller id) but due later: a post scheduled for 5 s from now.
        await delivery.enqueue_deliveries(conn, actor_id=ada.id, activity=_note(1),
                                          inboxes=[f"{base}/b/inbox"],
                                          now=start + timedelta(seconds=5))
        await delivery.enqueue_deliveries(conn, actor_id=ada.id, activity=_note(2),
                                          inboxes=[f"{base}/a/inbox"], now=start)
    async with aiohttp.ClientSession() as http:
        w = Worker(JobContext(db=db, clock=clock, config=config, http=http), job_handlers(),
                   batch=1, concurrency=1)
        await w.run_until_idle()            # /a answers 503, Retry-After: 1
        assert found.received == []
        clock.advance(timedelta(seconds=10))
        await w.run_until_idle()
    # The retry was due at +1 s, the other job at +5 s: the retry goes first.
    assert [path for path, _ in found.received] == ["/a/inbox", "/b/inbox"]


async def test_callers_answered_by_one_statement_go_on_one_per_turn_of_the_loop(
        db: Database, config: Config, clock: FrozenClock) -> None:
    async def times_ten(keys: list[int]) -> list[int]:
        return [k * 10 for k in keys]

    same_turn = Coalescer(times_ten, max_batch=50, distinct=True, one_per_turn=True)
    loop = asyncio.get_running_loop()
    turns, ticking = [0], [True]

    def tick() -> None:
        turns[0] += 1
        if ticking[0]:
            loop.call_soon(tick)

    loop.call_soon(tick)
    seen: list[tuple[int, int, int]] = []

    async def caller(k: int) -> None:
        value = await same_turn(k)
        seen.append((k, value, turns[0]))

    await asyncio.gather(*(caller(k) for k in range(4)))
    ticking[0] = False
    assert [(k, value) for k, value, _ in seen] == [(0, 0), (1, 10), (2, 20), (3, 30)]
    assert len({turn for *_, turn in seen}) == 4     # each went on in a turn of its own
