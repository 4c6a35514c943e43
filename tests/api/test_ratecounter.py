"""Rate-limit counts kept in process memory and added to PostgreSQL in batches: exact within
a process, shared between processes from each flush on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.api import ratecounter
from server.api.ratecounter import RateCounter
from server.clock import FrozenClock
from server.db import Database
from server.web.ratelimit import Limit
from server.web.state import DB

LIMIT = Limit("api", 10, timedelta(minutes=5), "x")


async def test_two_processes_share_the_count_from_each_flush(db: Database,
                                                             clock: FrozenClock) -> None:
    app: dict[Any, Any] = {DB: db}   # what flush reads of the application
    one, two = RateCounter(), RateCounter()
    now = clock.now()
    for _ in range(3):
        one.hit(LIMIT, "token:1", now)
    assert two.hit(LIMIT, "token:1", now).hits == 1     # not flushed yet: its own hits only
    await one.flush(app, now)
    await two.flush(app, now)
    assert two.hit(LIMIT, "token:1", now).hits == 5     # 3 + 1 flushed, + this one
    await two.flush(app, now)
    assert one.hit(LIMIT, "token:1", now).hits == 4     # two's last hit comes at the flush
    await one.flush(app, now)
    usage = one.hit(LIMIT, "token:1", now)
    assert usage.hits == 7 and usage.remaining == 3
    assert usage.reset_at == LIMIT.window_start(now) + LIMIT.window


async def test_hits_during_a_flush_stay_pending(db: Database, clock: FrozenClock) -> None:
    app: dict[Any, Any] = {DB: db}
    counter = RateCounter()
    now = clock.now()
    counter.hit(LIMIT, "ip:x", now)
    flushing = counter.flush(app, now)
    counter.hit(LIMIT, "ip:x", now)                       # before the flush runs
    await flushing
    assert counter.hit(LIMIT, "ip:x", now).hits == 3
    await counter.flush(app, now)
    assert RateCounter().hit(LIMIT, "ip:x", now).hits == 1   # a new process knows nothing yet
    other = RateCounter()
    other.hit(LIMIT, "ip:x", now)
    await other.flush(app, now)
    assert other.hit(LIMIT, "ip:x", now).hits == 5


async def test_windows_that_are_over_are_forgotten(db: Database, clock: FrozenClock) -> None:
    app: dict[Any, Any] = {DB: db}
    counter = RateCounter()
    counter.hit(LIMIT, "ip:y", clock.now())
    await counter.flush(app, clock.now())
    clock.advance(timedelta(minutes=5))
    await counter.flush(app, clock.now())
    assert counter.hit(LIMIT, "ip:y", clock.now()).hits == 1
    assert len(counter._buckets) == 1


async def test_a_busy_process_flushes_once_a_second(monkeypatch: Any) -> None:
    counter = RateCounter()
    assert not counter.due()
    monkeypatch.setattr(ratecounter.time, "monotonic", lambda: counter._flushed_at + 1.0)
    assert counter.due()


async def test_many_waiting_buckets_flush_sooner(db: Database, clock: FrozenClock,
                                                 monkeypatch: Any) -> None:
    """A hundred tokens waiting make a flush due after 50 ms instead of a second, so no
    flush is a thousand-row statement; the same bucket hit again does not count twice."""
    counter = RateCounter()
    # A little past the gap: (t + gap) - t can come out a hair under gap in floating point.
    now = [counter._flushed_at + ratecounter.FLUSH_GAP * 1.001]
    monkeypatch.setattr(ratecounter.time, "monotonic", lambda: now[0])
    for n in range(ratecounter.FLUSH_ROWS - 1):
        counter.hit(LIMIT, f"token:{n}", clock.now())
        counter.hit(LIMIT, f"token:{n}", clock.now())
    assert not counter.due()
    counter.hit(LIMIT, "token:last", clock.now())
    assert counter.due()
    app = {DB: db}
    await counter.flush(app, clock.now())   # type: ignore[arg-type]
    assert not counter.due()
    now[0] += ratecounter.FLUSH_GAP
    counter.hit(LIMIT, "token:0", clock.now())
    assert not counter.due()      # one bucket waiting: the second's flush will take it


async def test_a_flush_soon_runs_in_the_background(db: Database, clock: FrozenClock,
                                                   monkeypatch: Any) -> None:
    """The request that finds a flush due starts it and goes on; the counts arrive all the
    same, and the flush is not due again while it runs."""
    app: dict[Any, Any] = {DB: db}
    counter = RateCounter()
    now = clock.now()
    counter.hit(LIMIT, "token:9", now)
    later = counter._flushed_at + 1.0
    monkeypatch.setattr(ratecounter.time, "monotonic", lambda: later)
    assert counter.due()
    counter.flush_soon(app, now)
    assert not counter.due()
    assert counter.background is not None
    await counter.background
    other = RateCounter()
    other.hit(LIMIT, "token:9", now)
    await other.flush(app, now)
    assert other.hit(LIMIT, "token:9", now).hits == 3
