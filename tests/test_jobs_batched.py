"""Batched job kinds: many jobs of a kind handed to one call, what it leaves run one by one
with the usual retries, and a crashing batch falling back to one by one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server import jobs
from server.clock import FrozenClock
from server.db import Database
from server.jobs import RetryLaterError, queries
from server.jobs.batch import Batched


class Kind:
    def __init__(self, *, leave: set[int] = frozenset(), crash: bool = False) -> None:  # type: ignore[assignment]
        self.leave, self.crash = leave, crash
        self.batches: list[list[int]] = []
        self.singles: list[int] = []

    async def one(self, ctx: Any, payload: dict[str, Any]) -> None:
        self.singles.append(payload["n"])
        if payload["n"] == 7:
            raise RetryLaterError("not yet")

    async def many(self, ctx: Any, payloads: Sequence[dict[str, Any]]) -> list[int]:
        self.batches.append([p["n"] for p in payloads])
        if self.crash:
            raise RuntimeError("bug in the batch path")
        return [i for i, p in enumerate(payloads) if p["n"] in self.leave]


async def _enqueue(db: Database, clock: FrozenClock, ns: range) -> None:
    async with db.transaction() as conn:
        await jobs.enqueue_many(conn, "t.batched", [{"n": n} for n in ns], now=clock.now())


async def _states(db: Database) -> dict[int, str]:
    async with db.acquire() as conn:
        return {j.payload["n"]: j.state for j in await queries.list_jobs(conn, kind="t.batched")}


async def test_claimed_jobs_of_a_batched_kind_go_to_one_call_and_what_it_leaves_runs_alone(
        db: Database, clock: FrozenClock, worker: Any) -> None:
    kind = Kind(leave={3, 7})
    await _enqueue(db, clock, range(10))
    await worker({"t.batched": Batched(kind.one, kind.many)}).run_once()
    assert kind.batches == [list(range(10))]
    assert sorted(kind.singles) == [3, 7]
    # Done jobs leave no row; the one that asked for a retry waits for it.
    assert await _states(db) == {7: "ready"}


async def test_a_crashing_batch_runs_every_job_one_by_one(
        db: Database, clock: FrozenClock, worker: Any) -> None:
    kind = Kind(crash=True)
    await _enqueue(db, clock, range(4))
    await worker({"t.batched": Batched(kind.one, kind.many)}).run_once()
    assert kind.batches == [[0, 1, 2, 3]] and sorted(kind.singles) == [0, 1, 2, 3]
    assert await _states(db) == {}


async def test_a_batched_kind_still_runs_a_lone_job_through_its_single_handler(
        db: Database, clock: FrozenClock, worker: Any) -> None:
    kind = Kind()
    await _enqueue(db, clock, range(1))
    await worker({"t.batched": Batched(kind.one, kind.many)}).run_until_idle()
    assert kind.batches == [] and kind.singles == [0]


async def test_the_worker_loop_claims_for_batches_and_counts_a_batch_as_fewer_slots(
        db: Database, clock: FrozenClock, config: Any) -> None:
    import asyncio

    from server.jobs.context import JobContext
    from server.jobs.worker import Worker

    kind = Kind()
    handler = Batched(kind.one, kind.many, per_slot=5)
    w = Worker(JobContext(db=db, clock=clock, config=config), {"t.batched": handler},
               concurrency=2, batch=10)
    job = queries.ClaimedJob(id=1, kind="t.batched", payload={}, attempts=1, max_attempts=10)
    assert (w._weight([job]), w._weight([job] * 10), w._weight([job] * 11)) == (1, 2, 3)
    await _enqueue(db, clock, range(30))
    stop = asyncio.Event()
    loop_task = asyncio.create_task(w.run_forever(stop))
    for _ in range(200):
        if sum(map(len, kind.batches)) + len(kind.singles) == 30:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(loop_task, timeout=5)
    # Two slots, five jobs to a slot: claims of ten, each one batch.
    assert kind.batches[0] == list(range(10)) and sorted(
        n for b in kind.batches for n in b) + sorted(kind.singles) == list(range(30))
    assert await _states(db) == {}
