"""Coalesced job wake-ups (server.jobs.WakeUps): the first job of a quiet spell wakes the
workers with its own write, the jobs that follow share one NOTIFY sent after they committed,
and none is left without one."""

from __future__ import annotations

import asyncio
from typing import Any

from server.db import Database
from server.jobs import NOTIFY_CHANNEL, WakeUps

KIND = "test.kind"


async def listening(db: Database, heard: list[tuple[float, str]], body: Any) -> None:
    loop = asyncio.get_running_loop()

    def on_notify(*args: Any) -> None:
        heard.append((loop.time(), args[3]))

    async with db.acquire() as listener:
        await listener.add_listener(NOTIFY_CHANNEL, on_notify)
        try:
            await body()
            await asyncio.sleep(0.1)  # notifications arrive asynchronously
        finally:
            await listener.remove_listener(NOTIFY_CHANNEL, on_notify)


async def test_the_first_write_of_a_quiet_spell_notifies_itself(db: Database) -> None:
    wakeups = WakeUps(db, interval=0.05)
    assert wakeups.leading(KIND) is True
    assert wakeups.leading(KIND) is False      # within the interval
    assert wakeups.leading("other.kind") is True  # each kind on its own
    await asyncio.sleep(0.06)
    assert wakeups.leading(KIND) is True


async def test_writes_within_the_interval_share_one_notify_after_their_commits(
        db: Database) -> None:
    wakeups = WakeUps(db, interval=0.05)
    heard: list[tuple[float, str]] = []
    committed: list[float] = []

    async def writes() -> None:
        loop = asyncio.get_running_loop()
        assert wakeups.leading(KIND)
        wakeups.committed(KIND, notified=True)
        for _ in range(3):
            assert not wakeups.leading(KIND)
            wakeups.committed(KIND, notified=False)
            committed.append(loop.time())
            await asyncio.sleep(0.005)

    await listening(db, heard, writes)
    # only the trailing one: the leading NOTIFY belongs in the caller's own statement
    assert [kind for _, kind in heard] == [KIND]
    assert heard[0][0] >= max(committed)


async def test_a_commit_after_the_trailing_notify_went_out_gets_another(db: Database) -> None:
    wakeups = WakeUps(db, interval=0.02)
    heard: list[tuple[float, str]] = []

    async def writes() -> None:
        wakeups.leading(KIND)
        wakeups.committed(KIND, notified=False)
        await asyncio.sleep(0.06)  # the trailing NOTIFY has gone out
        wakeups.committed(KIND, notified=False)

    await listening(db, heard, writes)
    assert [kind for _, kind in heard] == [KIND, KIND]


async def test_flush_sends_what_is_waiting_at_once(db: Database) -> None:
    wakeups = WakeUps(db, interval=30.0)
    heard: list[tuple[float, str]] = []

    async def writes() -> None:
        wakeups.leading(KIND)
        wakeups.committed(KIND, notified=False)
        await wakeups.flush()

    await listening(db, heard, writes)
    assert [kind for _, kind in heard] == [KIND]
