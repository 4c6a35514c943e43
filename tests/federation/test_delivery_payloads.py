"""A fan-out's activity is serialized and stored once; its delivery jobs refer to it. Jobs
queued with the activity inline (before this) still deliver, and old bodies are purged."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from server import jobs
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.federation import delivery
from server.jobs import queries as jobs_q
from tests.federation.test_delivery import FakeInbox, _note, _sender, http, remote  # noqa: F401


async def test_a_fan_out_stores_its_body_once_and_every_inbox_gets_it(
        db: Database, config: Config, clock: FrozenClock, remote: tuple[FakeInbox, str],  # noqa: F811
        worker: Any, http: Any) -> None:  # noqa: F811
    inbox, base = remote
    ada = await _sender(db, config, clock, inbox)
    targets = [f"{base}/inbox", *(f"{base}/users/u{n}/inbox" for n in range(5))]
    async with db.transaction() as conn:
        assert await delivery.enqueue_deliveries(conn, actor_id=ada.id, activity=_note(1),
                                                 inboxes=targets, now=clock.now()) == 6
        stored = await conn.fetch("SELECT id, body FROM delivery_payloads")
        queued = await jobs_q.list_jobs(conn, kind=delivery.KIND)
    assert len(stored) == 1 and json.loads(stored[0]["body"]) == _note(1)
    assert {j.payload["payload_id"] for j in queued} == {stored[0]["id"]}
    assert all("activity" not in j.payload for j in queued)
    await worker(http=http).run_until_idle()
    assert len(inbox.received) == 6 and all(r["activity"] == _note(1) for r in inbox.received)


async def test_no_inboxes_store_nothing(db: Database, config: Config, clock: FrozenClock) -> None:
    async with db.transaction() as conn:
        assert await delivery.enqueue_deliveries(conn, actor_id=1, activity=_note(1), inboxes=[],
                                                 now=clock.now()) == 0
        assert await conn.fetchval("SELECT count(*) FROM delivery_payloads") == 0


async def test_a_job_queued_with_the_activity_inline_still_delivers(
        db: Database, config: Config, clock: FrozenClock, remote: tuple[FakeInbox, str],  # noqa: F811
        worker: Any, http: Any) -> None:  # noqa: F811
    inbox, base = remote
    ada = await _sender(db, config, clock, inbox)
    async with db.transaction() as conn:
        await jobs.enqueue(conn, delivery.KIND, {"inbox": f"{base}/inbox", "actor_id": ada.id,
                                                 "activity": _note(7)}, now=clock.now())
    await worker(http=http).run_until_idle()
    assert [r["activity"] for r in inbox.received] == [_note(7)]


async def test_bodies_older_than_a_week_are_purged_by_later_fan_outs_and_their_jobs_fail(
        db: Database, config: Config, clock: FrozenClock, remote: tuple[FakeInbox, str],  # noqa: F811
        worker: Any, http: Any) -> None:  # noqa: F811
    inbox, base = remote
    ada = await _sender(db, config, clock, inbox)
    inbox.mode = "down"
    async with db.transaction() as conn:
        await delivery.enqueue_deliveries(conn, actor_id=ada.id, activity=_note(1),
                                          inboxes=[f"{base}/inbox"], now=clock.now())
    await worker(http=http).run_until_idle()          # 503: waits for a retry
    clock.advance(delivery.PAYLOADS_KEPT_FOR + timedelta(minutes=1))
    async with db.transaction() as conn:              # another post, to another inbox
        await delivery.enqueue_deliveries(conn, actor_id=ada.id, activity=_note(2),
                                          inboxes=[f"{base}/users/bob/inbox"], now=clock.now())
        assert await conn.fetchval("SELECT count(*) FROM delivery_payloads") == 1
    inbox.mode = "up"
    await worker(http=http).run_until_idle()
    assert [r["activity"] for r in inbox.received] == [_note(2)]
    async with db.acquire() as conn:
        [job] = await jobs_q.list_jobs(conn, kind=delivery.KIND)
    assert job.state == "failed" and "no longer stored" in (job.last_error or "")
