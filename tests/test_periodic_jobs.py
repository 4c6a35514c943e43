"""Housekeeping on a schedule: each due kind is queued once however many processes look,
and each job does its part (failed jobs purged, rate-limit windows purged, feeds trimmed)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from server import jobs
from server.app import create_app
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.jobs import periodic
from server.jobs.registry import PERIODIC
from server.statuses import service as statuses
from server.statuses.compose import Draft
from server.timeline import fanout
from server.web import ratelimit
from tests.conftest import make_config
from tests.helpers import make_account


async def queued(db: Database) -> list[str]:
    async with db.acquire() as conn:
        return sorted(r["kind"] for r in await conn.fetch("SELECT kind FROM jobs"))


async def queue(db: Database, clock: FrozenClock) -> list[str]:
    async with db.acquire() as conn:
        return sorted(await periodic.queue_due(conn, PERIODIC, now=clock.now()))


async def test_each_kind_is_queued_at_first_then_once_per_period(db: Database,
                                                                  clock: FrozenClock) -> None:
    assert await queue(db, clock) == sorted(PERIODIC)
    assert await queue(db, clock) == []
    clock.advance(timedelta(minutes=31))
    assert await queue(db, clock) == ["ratelimits.purge"]
    clock.advance(timedelta(minutes=30))
    assert await queue(db, clock) == ["ratelimits.purge", "timeline.trim_feeds"]
    assert await queued(db) == sorted(
        list(PERIODIC) + ["ratelimits.purge", "ratelimits.purge", "timeline.trim_feeds"])


async def test_processes_looking_at_once_queue_each_kind_once(db: Database,
                                                              clock: FrozenClock) -> None:
    found = await asyncio.gather(*(queue(db, clock) for _ in range(6)))
    assert sorted(kind for kinds in found for kind in kinds) == sorted(PERIODIC)
    assert await queued(db) == sorted(PERIODIC)


async def test_a_long_stop_catches_up_with_one_run(db: Database, clock: FrozenClock) -> None:
    await queue(db, clock)
    clock.advance(timedelta(days=3))
    assert await queue(db, clock) == sorted(PERIODIC)
    assert (await queued(db)).count("timeline.trim_feeds") == 2


async def test_old_failed_jobs_and_over_rate_limit_windows_are_purged(
        db: Database, clock: FrozenClock, worker: Any) -> None:
    now = clock.now()
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO jobs (kind, payload, state, run_at, created_at, finished_at)"
            " VALUES ('t.x', '{}', 'failed', $1, $1, $1), ('t.y', '{}', 'failed', $2, $2, $2)",
            now - timedelta(days=31), now - timedelta(days=2))
        await conn.execute(
            "INSERT INTO rate_limit_hits (bucket, window_start, hits)"
            " VALUES ('api:old', $1, 5), ('api_statuses:recent', $2, 7)",
            now - ratelimit.KEPT_FOR - timedelta(minutes=1), now - timedelta(hours=3))
        await periodic.queue_due(conn, PERIODIC, now=now)
    await worker().run_until_idle()
    async with db.acquire() as conn:
        assert [r["kind"] for r in await conn.fetch("SELECT kind FROM jobs")] == ["t.y"]
        assert [r["bucket"] for r in await conn.fetch("SELECT bucket FROM rate_limit_hits")] \
            == ["api_statuses:recent"]


async def test_home_feeds_are_cut_back_to_their_newest_entries(
        db: Database, config: Config, clock: FrozenClock, worker: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ada = await make_account(db, config, clock, "ada")
    bea = await make_account(db, config, clock, "bea")
    ids = []
    for n in range(5):
        async with db.transaction() as conn:
            ids.append((await statuses.create_status(
                conn, config=config, author=ada, draft=Draft(text=f"post {n}"),
                now=clock.now())).id)
    await worker().run_until_idle()
    monkeypatch.setattr(fanout, "FEED_SIZE", 3)
    async with db.acquire() as conn:
        await jobs.enqueue(conn, "timeline.trim_feeds", {}, now=clock.now())
    await worker().run_until_idle()
    async with db.acquire() as conn:
        rows = await conn.fetch("SELECT account_id, status_id FROM home_feed ORDER BY status_id")
    assert [(r["account_id"], r["status_id"]) for r in rows] == [(ada.id, i) for i in ids[-3:]]
    assert bea.id not in {r["account_id"] for r in rows}


async def test_a_server_running_workers_queues_housekeeping(
        aiohttp_client: Any, db: Database, clock: FrozenClock) -> None:
    client = await aiohttp_client(create_app(make_config(), db=db, clock=clock, job_workers=1))
    try:
        for _ in range(100):
            async with db.acquire() as conn:
                kinds = sorted(r["kind"] for r in await conn.fetch("SELECT kind FROM periodic_jobs"))
            if kinds:
                break
            await asyncio.sleep(0.05)
        assert kinds == sorted(PERIODIC)
    finally:
        await client.close()     # before the pool closes: the job worker holds a connection
