"""Deliveries run in a worker of their own, wider than the job workers, and a short
Retry-After is honoured on time instead of at the next poll."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from server import jobs
from server.clock import FrozenClock, SystemClock
from server.config import Config, problems
from server.db import Database
from server.federation import delivery
from server.jobs import RetryLaterError
from server.jobs import worker as worker_module
from server.jobs.context import JobContext


class Calls:
    def __init__(self) -> None:
        self.kinds: list[str] = []

    def handler(self, kind: str) -> Any:
        async def run(ctx: Any, payload: dict[str, Any]) -> None:
            self.kinds.append(kind)
        return run


async def test_the_delivery_worker_takes_deliveries_and_the_job_workers_the_rest(
        db: Database, clock: FrozenClock, config: Config) -> None:
    calls = Calls()
    handlers = {delivery.KIND: calls.handler(delivery.KIND), "t.other": calls.handler("t.other")}
    ctx = JobContext(db=db, clock=clock, config=config)
    general, deliveries = delivery.make_workers(ctx, handlers, job_workers=4, delivery_workers=64)
    assert (general.concurrency, deliveries.concurrency) == (4, 64)
    async with db.transaction() as conn:
        await jobs.enqueue(conn, delivery.KIND, {"inbox": "https://a.example/inbox"}, now=clock.now())
        await jobs.enqueue(conn, "t.other", {}, now=clock.now())
    await general.run_until_idle()
    assert calls.kinds == ["t.other"]
    await deliveries.run_until_idle()
    assert calls.kinds == ["t.other", delivery.KIND]


async def test_without_delivery_workers_one_worker_runs_everything(
        db: Database, clock: FrozenClock, config: Config) -> None:
    calls = Calls()
    handlers = {delivery.KIND: calls.handler(delivery.KIND), "t.other": calls.handler("t.other")}
    (only,) = delivery.make_workers(JobContext(db=db, clock=clock, config=config), handlers,
                                    job_workers=4, delivery_workers=0)
    async with db.transaction() as conn:
        await jobs.enqueue(conn, delivery.KIND, {}, now=clock.now())
        await jobs.enqueue(conn, "t.other", {}, now=clock.now())
    await only.run_until_idle()
    assert sorted(calls.kinds) == sorted([delivery.KIND, "t.other"])


def test_delivery_workers_cannot_be_negative(config: Config) -> None:
    assert any("COMMONHOLD_DELIVERY_WORKERS" in p for p in problems(replace(config, delivery_workers=-1)))


async def test_a_short_retry_after_runs_on_time_not_at_the_next_poll(
        db: Database, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    # The poll is made far longer than the test may take: only the on-time wake-up can do it.
    monkeypatch.setattr(worker_module, "POLL_SECONDS", 60.0)
    tries: list[int] = []
    done = asyncio.Event()

    async def flaky(ctx: Any, payload: dict[str, Any]) -> None:
        tries.append(1)
        if len(tries) == 1:
            raise RetryLaterError("503", delay_seconds=0.2)
        done.set()

    clock = SystemClock()  # the retry is due by the wall clock, as in production
    w = worker_module.Worker(JobContext(db=db, clock=clock, config=config), {"t.flaky": flaky})
    stop = asyncio.Event()
    loop_task = asyncio.create_task(w.run_forever(stop))
    try:
        async with db.transaction() as conn:
            await jobs.enqueue(conn, "t.flaky", {}, now=clock.now())
        await asyncio.wait_for(done.wait(), timeout=20)
    finally:
        stop.set()
        await asyncio.wait_for(loop_task, timeout=10)
    assert len(tries) == 2
