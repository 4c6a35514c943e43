"""Outbound delivery over real HTTP on loopback: signed, one POST per inbox, in order per
inbox, retried through an outage and a restart, failed with the reason when gone."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from server.accounts import queries as accounts_q
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.federation import delivery
from server.federation import queries as federation_q
from server.federation.activitypub import signatures
from server.jobs import queries as jobs_q
from server.jobs.worker import backoff_delay
from tests.helpers import make_account


CLOCK = web.AppKey("clock", FrozenClock)


class FakeInbox:
    """A remote inbox that checks our signatures and can be switched off."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.mode = "up"            # up | down | gone
        self.public_keys: dict[str, str] = {}

    async def handle(self, request: web.Request) -> web.Response:
        if self.mode == "down":
            return web.Response(status=503)
        if self.mode == "gone":
            return web.Response(status=410)
        body = await request.read()
        parsed = signatures.parse_request_signature(
            method=request.method, path_qs=request.path_qs, headers=request.headers, body=body,
            now=request.app[CLOCK].now(), scheme="http")
        signatures.verify_parsed(parsed, signatures.load_public_key(self.public_keys[parsed.key_id]))
        assert request.headers["Content-Type"] == "application/activity+json"
        self.received.append({"path": request.path, "key_id": parsed.key_id,
                              "activity": json.loads(body)})
        return web.Response(status=202)

    def app(self, clock: FrozenClock) -> web.Application:
        app = web.Application()
        app[CLOCK] = clock
        app.router.add_post("/inbox", self.handle)
        app.router.add_post("/users/{name}/inbox", self.handle)
        return app


@pytest.fixture
async def remote(aiohttp_server: Any, clock: FrozenClock) -> tuple[FakeInbox, str]:
    inbox = FakeInbox()
    server = await aiohttp_server(inbox.app(clock))
    return inbox, f"http://127.0.0.1:{server.port}"


@pytest.fixture
async def http() -> Any:
    async with aiohttp.ClientSession() as session:
        yield session


async def _sender(db: Database, config: Config, clock: FrozenClock, inbox: FakeInbox) -> Any:
    ada = await make_account(db, config, clock, "ada")
    inbox.public_keys[ada.public_key_id] = ada.public_key_pem
    return ada


def _note(n: int) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"http://ch.test/a/{n}",
            "type": "Create", "actor": "http://ch.test/users/ada", "object": {"type": "Note", "content": str(n)}}


async def test_one_signed_post_per_inbox(db: Database, config: Config, clock: FrozenClock,
                                         remote: tuple[FakeInbox, str], worker: Any, http: Any) -> None:
    inbox, base = remote
    ada = await _sender(db, config, clock, inbox)
    async with db.transaction() as conn:
        count = await delivery.enqueue_deliveries(
            conn, actor_id=ada.id, activity=_note(1),
            inboxes=[f"{base}/inbox", f"{base}/inbox", f"{base}/users/bob/inbox"], now=clock.now())
    assert count == 2
    await worker(http=http).run_until_idle()
    assert sorted(r["path"] for r in inbox.received) == ["/inbox", "/users/bob/inbox"]
    assert {r["key_id"] for r in inbox.received} == {"http://ch.test/users/ada#main-key"}
    async with db.acquire() as conn:
        assert await jobs_q.list_jobs(conn) == []


async def test_outage_then_restart_loses_nothing_and_keeps_order(
        db: Database, config: Config, clock: FrozenClock, remote: tuple[FakeInbox, str],
        worker: Any, http: Any) -> None:
    inbox, base = remote
    ada = await _sender(db, config, clock, inbox)
    inbox.mode = "down"
    async with db.transaction() as conn:
        for n in (1, 2, 3):
            await delivery.enqueue_deliveries(conn, actor_id=ada.id, activity=_note(n),
                                              inboxes=[f"{base}/inbox"], now=clock.now())
    await worker(http=http).run_until_idle()
    async with db.acquire() as conn:
        [first, *waiting] = await jobs_q.list_jobs(conn)
        health = await federation_q.get_delivery_host(conn, host=base.split("//")[1])
    assert first.state == "ready" and "HTTP 503" in (first.last_error or "")
    assert all(j.attempts == 0 for j in waiting)      # held behind the first, in order
    assert health and health.consecutive_failures == 1
    # The server restarts (a new worker over the same database) and the remote comes back.
    inbox.mode = "up"
    clock.advance(backoff_delay(1))
    await worker(http=http).run_until_idle()
    assert [r["activity"]["object"]["content"] for r in inbox.received] == ["1", "2", "3"]
    async with db.acquire() as conn:
        health = await federation_q.get_delivery_host(conn, host=base.split("//")[1])
    assert health and health.consecutive_failures == 0 and health.unavailable_since is None


async def test_gone_inbox_fails_at_once_with_the_reason(db: Database, config: Config,
                                                        clock: FrozenClock,
                                                        remote: tuple[FakeInbox, str],
                                                        worker: Any, http: Any) -> None:
    inbox, base = remote
    ada = await _sender(db, config, clock, inbox)
    inbox.mode = "gone"
    async with db.transaction() as conn:
        await delivery.enqueue_deliveries(conn, actor_id=ada.id, activity=_note(1),
                                          inboxes=[f"{base}/inbox"], now=clock.now())
    await worker(http=http).run_until_idle()
    async with db.acquire() as conn:
        [job] = await jobs_q.list_jobs(conn)
    assert job.state == "failed" and "HTTP 410" in (job.last_error or "")


async def test_unreachable_host_retries_for_two_days_then_fails(db: Database, config: Config,
                                                                clock: FrozenClock, worker: Any,
                                                                http: Any, unused_tcp_port: int) -> None:
    ada = await make_account(db, config, clock, "ada")
    dead = f"http://127.0.0.1:{unused_tcp_port}/inbox"
    async with db.transaction() as conn:
        await delivery.enqueue_deliveries(conn, actor_id=ada.id, activity=_note(1), inboxes=[dead],
                                          now=clock.now())
    started = clock.now()
    w = worker(http=http)
    for _ in range(delivery.MAX_ATTEMPTS + 5):
        await w.run_until_idle()
        async with db.acquire() as conn:
            [job] = await jobs_q.list_jobs(conn)
        if job.state == "failed":
            break
        clock.set(job.run_at)
    assert job.state == "failed" and job.attempts == delivery.MAX_ATTEMPTS
    assert "could not reach" in (job.last_error or "")
    assert job.finished_at is not None and job.finished_at - started > timedelta(days=2)
    async with db.acquire() as conn:
        health = await federation_q.get_delivery_host(conn, host=f"127.0.0.1:{unused_tcp_port}")
    assert health and health.unavailable_since is not None


async def test_deleted_sender_fails_the_delivery(db: Database, config: Config, clock: FrozenClock,
                                                 worker: Any, http: Any) -> None:
    ada = await make_account(db, config, clock, "ada")
    async with db.transaction() as conn:
        await delivery.enqueue_deliveries(conn, actor_id=ada.id, activity=_note(1),
                                          inboxes=["http://127.0.0.1:9/inbox"], now=clock.now())
        await conn.execute("DELETE FROM accounts WHERE id = $1", ada.id)
        assert await accounts_q.get_account(conn, account_id=ada.id) is None
    await worker(http=http).run_until_idle()
    async with db.acquire() as conn:
        [job] = await jobs_q.list_jobs(conn)
    assert job.state == "failed" and "no longer exists" in (job.last_error or "")


async def test_a_healthy_host_is_not_rewritten_on_every_success(
        db: Database, config: Config, clock: FrozenClock, remote: tuple[FakeInbox, str],
        worker: Any, http: Any) -> None:
    inbox, base = remote
    host = base.split("//")[1]
    ada = await _sender(db, config, clock, inbox)
    async with db.transaction() as conn:
        await delivery.enqueue_deliveries(conn, actor_id=ada.id, activity=_note(1),
                                          inboxes=[f"{base}/inbox"], now=clock.now())
    await worker(http=http).run_until_idle()
    first = clock.now()
    async with db.acquire() as conn:
        health = await federation_q.get_delivery_host(conn, host=host)
    assert health and health.last_success_at == first
    # Within a minute: the success is not written again; after it, it is.
    for n, step in ((2, timedelta(seconds=30)), (3, timedelta(seconds=45))):
        clock.advance(step)
        async with db.transaction() as conn:
            await delivery.enqueue_deliveries(conn, actor_id=ada.id, activity=_note(n),
                                              inboxes=[f"{base}/inbox"], now=clock.now())
        await worker(http=http).run_until_idle()
        async with db.acquire() as conn:
            health = await federation_q.get_delivery_host(conn, host=host)
        assert health and health.last_success_at == (first if n == 2 else clock.now())
    assert len(inbox.received) == 3


async def test_delivery_context_reads_key_and_health_in_one_query(
        db: Database, config: Config, clock: FrozenClock) -> None:
    ada = await make_account(db, config, clock, "ada")
    async with db.transaction() as conn:
        [(key, health)] = await federation_q.get_delivery_contexts(conn, pairs=[(ada.id, "x.test")],
                                                                  instance_key_id="k")
        assert key is not None and key[1] == ada.public_key_id and health is None
        await federation_q.record_delivery_failure(conn, host="x.test", now=clock.now(), error="503",
                                                   threshold=8, span=timedelta(hours=1))
        [(key, health)] = await federation_q.get_delivery_contexts(conn, pairs=[(ada.id, "x.test")],
                                                                  instance_key_id="k")
        assert health is not None and health.consecutive_failures == 1
        [(gone, health)] = await federation_q.get_delivery_contexts(conn, pairs=[(-1, "x.test")],
                                                                   instance_key_id="k")
        assert gone is None and health is not None
