"""The job queue: atomic enqueue, retries with backoff, failure with the reason, recovery of
jobs whose worker died, and per-key ordering."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from server import jobs
from server.clock import FrozenClock
from server.db import Database
from server.jobs import PermanentJobError, RetryLaterError, queries
from server.jobs.worker import LOCK_TTL, backoff_delay


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def ok(self, ctx: Any, payload: dict[str, Any]) -> None:
        self.calls.append(payload)

    async def boom(self, ctx: Any, payload: dict[str, Any]) -> None:
        self.calls.append(payload)
        raise RuntimeError("remote exploded")

    async def later(self, ctx: Any, payload: dict[str, Any]) -> None:
        self.calls.append(payload)
        raise RetryLaterError("503 from remote")

    async def never(self, ctx: Any, payload: dict[str, Any]) -> None:
        self.calls.append(payload)
        raise PermanentJobError("410 Gone")


@pytest.fixture
def rec() -> Recorder:
    return Recorder()


def handlers(rec: Recorder) -> dict[str, Any]:
    return {"t.ok": rec.ok, "t.boom": rec.boom, "t.later": rec.later, "t.never": rec.never}


class Rollback(Exception):
    pass


async def test_job_enqueued_in_rolled_back_transaction_never_runs(db: Database, clock: FrozenClock,
                                                                  worker: Any, rec: Recorder) -> None:
    with pytest.raises(Rollback):
        async with db.transaction() as conn:
            await jobs.enqueue(conn, "t.ok", {"n": 1}, now=clock.now())
            raise Rollback
    async with db.transaction() as conn:
        await jobs.enqueue(conn, "t.ok", {"n": 2}, now=clock.now())
    await worker(handlers(rec)).run_until_idle()
    assert rec.calls == [{"n": 2}]
    async with db.acquire() as conn:
        assert await queries.list_jobs(conn) == []


async def test_failing_job_is_retried_with_backoff_then_fails_with_its_error(
        db: Database, clock: FrozenClock, worker: Any, rec: Recorder) -> None:
    async with db.transaction() as conn:
        job_id = await jobs.enqueue(conn, "t.boom", {"n": 1}, now=clock.now(), max_attempts=3)
    w = worker(handlers(rec))
    await w.run_until_idle()
    assert len(rec.calls) == 1
    async with db.acquire() as conn:
        job = await queries.get_job(conn, job_id=job_id)
    assert job and job.state == "ready" and job.attempts == 1
    assert job.run_at == clock.now() + backoff_delay(1)
    assert "remote exploded" in (job.last_error or "")

    await w.run_until_idle()                       # not due yet: nothing runs
    assert len(rec.calls) == 1
    clock.advance(backoff_delay(1))
    await w.run_until_idle()
    assert len(rec.calls) == 2
    async with db.acquire() as conn:
        job = await queries.get_job(conn, job_id=job_id)
    assert job and job.run_at == clock.now() + backoff_delay(2)
    assert backoff_delay(2) == 2 * backoff_delay(1)

    clock.advance(backoff_delay(2))
    await w.run_until_idle()
    assert len(rec.calls) == 3
    async with db.acquire() as conn:
        job = await queries.get_job(conn, job_id=job_id)
    assert job and job.state == "failed" and job.attempts == 3
    assert "gave up after 3 attempts" in (job.last_error or "")
    assert "remote exploded" in (job.last_error or "")
    clock.advance(timedelta(days=1))
    await w.run_until_idle()
    assert len(rec.calls) == 3


async def test_permanent_error_fails_at_once_with_the_reason(db: Database, clock: FrozenClock,
                                                              worker: Any, rec: Recorder) -> None:
    async with db.transaction() as conn:
        job_id = await jobs.enqueue(conn, "t.never", {}, now=clock.now())
    await worker(handlers(rec)).run_until_idle()
    async with db.acquire() as conn:
        job = await queries.get_job(conn, job_id=job_id)
    assert job and job.state == "failed" and job.last_error == "410 Gone" and job.attempts == 1


async def test_retry_later_uses_its_own_delay(db: Database, clock: FrozenClock, worker: Any,
                                              rec: Recorder) -> None:
    async with db.transaction() as conn:
        job_id = await jobs.enqueue(conn, "t.later", {}, now=clock.now())
    await worker(handlers(rec)).run_until_idle()
    async with db.acquire() as conn:
        job = await queries.get_job(conn, job_id=job_id)
    assert job and job.state == "ready" and job.last_error == "503 from remote"


async def test_unknown_kind_fails_with_a_reason(db: Database, clock: FrozenClock, worker: Any,
                                               rec: Recorder) -> None:
    async with db.transaction() as conn:
        job_id = await jobs.enqueue(conn, "t.nobody", {}, now=clock.now())
    await worker(handlers(rec)).run_until_idle()
    async with db.acquire() as conn:
        job = await queries.get_job(conn, job_id=job_id)
    assert job and job.state == "failed" and "no handler" in (job.last_error or "")


async def test_job_claimed_by_a_worker_that_died_is_picked_up_again(
        db: Database, clock: FrozenClock, worker: Any, rec: Recorder) -> None:
    async with db.transaction() as conn:
        job_id = await jobs.enqueue(conn, "t.ok", {"n": 7}, now=clock.now())
        # A worker claims it and then dies without finishing.
        claimed = await queries.claim_jobs(conn, now=clock.now(), limit=10,
                                           locked_until=clock.now() + LOCK_TTL)
    assert [j.id for j in claimed] == [job_id]
    w = worker(handlers(rec))
    await w.run_until_idle()
    assert rec.calls == []                        # still locked by the dead worker
    clock.advance(LOCK_TTL + timedelta(seconds=1))
    await w.run_until_idle()
    assert rec.calls == [{"n": 7}]
    async with db.acquire() as conn:
        assert await queries.get_job(conn, job_id=job_id) is None


async def test_jobs_with_one_ordering_key_run_in_order(db: Database, clock: FrozenClock,
                                                       worker: Any, rec: Recorder) -> None:
    async with db.transaction() as conn:
        await jobs.enqueue(conn, "t.later", {"step": "create"}, now=clock.now(),
                           ordering_key="inbox:a")
        await jobs.enqueue(conn, "t.ok", {"step": "delete"}, now=clock.now(), ordering_key="inbox:a")
        await jobs.enqueue(conn, "t.ok", {"step": "other"}, now=clock.now(), ordering_key="inbox:b")
    await worker(handlers(rec)).run_until_idle()
    # The delete waits behind the create that must be retried; the other inbox is not held up.
    assert rec.calls == [{"step": "create"}, {"step": "other"}]


async def test_worker_loop_keeps_a_bounded_number_in_flight_and_stops_cleanly(
        db: Database, clock: FrozenClock, config: Any) -> None:
    import asyncio

    from server.jobs.context import JobContext
    from server.jobs.worker import Worker

    in_flight, peak, done = 0, 0, []
    release = asyncio.Event()

    async def slow(ctx: Any, payload: dict[str, Any]) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await release.wait()
        in_flight -= 1
        done.append(payload["n"])

    w = Worker(JobContext(db=db, clock=clock, config=config), {"t.slow": slow}, concurrency=5)
    stop = asyncio.Event()
    loop_task = asyncio.create_task(w.run_forever(stop))
    async with db.transaction() as conn:       # enqueued after the loop started: NOTIFY wakes it
        for n in range(30):
            await jobs.enqueue(conn, "t.slow", {"n": n}, now=clock.now())
    for _ in range(100):
        if in_flight == 5:
            break
        await asyncio.sleep(0.02)
    assert in_flight == 5
    release.set()
    for _ in range(200):
        if len(done) == 30:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(loop_task, timeout=5)
    assert sorted(done) == list(range(30)) and peak == 5
    async with db.acquire() as conn:
        assert await queries.list_jobs(conn) == []


async def test_enqueue_many_writes_every_job_in_order_and_rolls_back_with_the_caller(
        db: Database, clock: FrozenClock, worker: Any, rec: Recorder) -> None:
    with pytest.raises(Rollback):
        async with db.transaction() as conn:
            await jobs.enqueue_many(conn, "t.ok", [{"n": 0}], now=clock.now())
            raise Rollback
    async with db.transaction() as conn:
        count = await jobs.enqueue_many(conn, "t.ok", [{"n": n, "s": "é"} for n in range(1, 6)],
                                        now=clock.now(), ordering_keys=["a", "b", "a", None, "b"])
        assert await jobs.enqueue_many(conn, "t.ok", [], now=clock.now()) == 0
    assert count == 5
    async with db.acquire() as conn:
        listed = await queries.list_jobs(conn, kind="t.ok")
    assert [(j.payload["n"], j.ordering_key) for j in listed] == [
        (1, "a"), (2, "b"), (3, "a"), (4, None), (5, "b")]
    assert all(j.max_attempts == 10 and j.run_at == clock.now() for j in listed)
    await worker(handlers(rec)).run_until_idle()
    assert sorted(c["n"] for c in rec.calls) == [1, 2, 3, 4, 5]
    assert rec.calls[0]["s"] == "é"


async def test_enqueue_many_wants_one_ordering_key_per_payload(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as conn:
        with pytest.raises(ValueError):
            await jobs.enqueue_many(conn, "t.ok", [{"n": 1}, {"n": 2}], now=clock.now(),
                                    ordering_keys=["a"])
