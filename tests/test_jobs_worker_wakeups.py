"""What wakes a running worker and how much one wake-up claims: a NOTIFY for a kind the
worker does not serve leaves it asleep, and jobs that arrive one by one while it is busy are
claimed together rather than one claim each."""

from __future__ import annotations

import asyncio
from typing import Any

from server import jobs
from server.clock import FrozenClock
from server.db import Database
from server.jobs import queries
from server.jobs.context import JobContext
from server.jobs.worker import Worker


class CountingWorker(Worker):
    """Counts its claims (all, and those that brought jobs)."""

    claims = 0
    fruitful = 0

    async def _claim(self, limit: int) -> list[queries.ClaimedJob]:
        claimed = await super()._claim(limit)
        self.claims += 1
        self.fruitful += bool(claimed)
        return claimed


async def _until(check: Any, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached in time")


async def test_a_notify_for_a_kind_the_worker_does_not_serve_does_not_wake_it(
        db: Database, clock: FrozenClock, config: Any) -> None:
    done: list[int] = []

    async def ok(ctx: Any, payload: dict[str, Any]) -> None:
        done.append(payload["n"])

    ctx = JobContext(db=db, clock=clock, config=config)
    # As in a serving process: the delivery worker only serves its kind, the other the rest.
    w = CountingWorker(ctx, {"t.mine": ok, "t.other": ok}, concurrency=4, only=["t.mine"])
    stop = asyncio.Event()
    task = asyncio.create_task(w.run_forever(stop))
    try:
        await _until(lambda: w.claims >= 1)      # the first look at the queue
        await asyncio.sleep(0.05)
        before = w.claims
        for n in range(10):
            async with db.transaction() as conn:
                await jobs.enqueue(conn, "t.other", {"n": n}, now=clock.now())
        await asyncio.sleep(0.2)                 # well under the worker's poll interval
        assert w.claims - before <= 1            # at most a poll, not one claim per NOTIFY
        async with db.transaction() as conn:
            await jobs.enqueue(conn, "t.mine", {"n": 99}, now=clock.now())
        await _until(lambda: done == [99], seconds=0.9)  # woken by its own kind at once
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)


async def test_jobs_arriving_one_by_one_are_claimed_together_and_all_run(
        db: Database, clock: FrozenClock, config: Any) -> None:
    done: list[int] = []

    async def ok(ctx: Any, payload: dict[str, Any]) -> None:
        done.append(payload["n"])

    w = CountingWorker(JobContext(db=db, clock=clock, config=config), {"t.ok": ok},
                       concurrency=8, gather=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(w.run_forever(stop))
    try:
        await _until(lambda: w.claims >= 1)
        for n in range(30):                      # each in its own commit, with its NOTIFY
            async with db.transaction() as conn:
                await jobs.enqueue(conn, "t.ok", {"n": n}, now=clock.now())
            await asyncio.sleep(0.002)
        await _until(lambda: len(done) == 30)
        assert sorted(done) == list(range(30))
        assert w.fruitful <= 15                  # about one claim per gathering interval
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=5)
    async with db.acquire() as conn:
        assert await queries.list_jobs(conn) == []


async def test_the_workers_of_a_process_share_one_listen_connection_and_stop_cleanly(
        db: Database, clock: FrozenClock, config: Any) -> None:
    from server.jobs import listen

    done: list[str] = []

    def record(kind: str) -> Any:
        async def run(ctx: Any, payload: dict[str, Any]) -> None:
            done.append(kind)
        return run

    ctx = JobContext(db=db, clock=clock, config=config)
    handlers = {"t.a": record("t.a"), "t.b": record("t.b")}
    workers = [CountingWorker(ctx, handlers, only=["t.a"]),
               CountingWorker(ctx, handlers, skip=["t.a"])]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run_forever(stop)) for w in workers]
    try:
        await _until(lambda: all(w.claims >= 1 for w in workers))
        shared = listen._SHARED[db]
        assert len(shared.callbacks) == 2 and shared.conn is not None
        for kind in ("t.a", "t.b"):
            async with db.transaction() as conn:
                await jobs.enqueue(conn, kind, {}, now=clock.now())
        await _until(lambda: sorted(done) == ["t.a", "t.b"], seconds=0.9)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)
    assert db not in listen._SHARED   # the last worker out gave the connection back
