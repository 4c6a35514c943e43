"""server.memtune: the malloc arena cap and the periodic trim, and run_loop starting them."""

from __future__ import annotations

import asyncio
import platform

import pytest

from server import cli, memtune

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")


class FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def mallopt(self, param: int, value: int) -> int:
        self.calls.append(("mallopt", param, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", pad))
        return 1


@glibc
def test_arena_cap_is_set_on_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert memtune.bound_arenas() is True


def test_an_operators_malloc_arena_max_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeLibc()
    monkeypatch.setattr(memtune, "_libc", lambda: fake)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert memtune.bound_arenas() is False
    assert fake.calls == []


def test_nothing_is_done_off_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memtune, "_libc", lambda: None)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert memtune.bound_arenas() is False
    assert memtune.trim() is False
    asyncio.run(asyncio.wait_for(memtune.trim_periodically(0.001), timeout=1))  # returns at once


@glibc
def test_trim_runs_on_glibc() -> None:
    assert memtune.trim() in (True, False)  # False only when there was nothing to give back


async def test_trim_repeats_until_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeLibc()
    monkeypatch.setattr(memtune, "_libc", lambda: fake)
    growing = iter(range(0, 10**6, 10))   # MiB: well past the growth that calls for a trim
    monkeypatch.setattr(memtune, "_rss_mib", lambda: float(next(growing)))
    task = asyncio.create_task(memtune.trim_periodically(0.001))
    while len(fake.calls) < 3:
        await asyncio.sleep(0.001)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert set(fake.calls) == {("malloc_trim", 0)}


@pytest.mark.parametrize("tune", [True, False])
def test_run_loop_tunes_memory_around_main_only_when_asked(monkeypatch: pytest.MonkeyPatch,
                                                           tune: bool) -> None:
    fake = FakeLibc()
    monkeypatch.setattr(memtune, "_libc", lambda: fake)
    monkeypatch.setattr(memtune.trim_periodically, "__defaults__", (0.001,))
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    seen: list[bool] = []

    async def main() -> None:
        await asyncio.sleep(0.05)
        seen.append(True)

    cli.run_loop(main(), tune_memory=tune)
    assert seen, "main ran"
    assert (("mallopt", memtune.M_ARENA_MAX, memtune.ARENAS) in fake.calls) is tune
    assert (("malloc_trim", 0) in fake.calls) is tune


async def test_the_trim_runs_off_the_event_loops_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    threads: list[int] = []

    class ThreadRecordingLibc(FakeLibc):
        def malloc_trim(self, pad: int) -> int:
            threads.append(threading.get_ident())
            return 0

    monkeypatch.setattr(memtune, "_libc", ThreadRecordingLibc)
    task = asyncio.create_task(memtune.trim_periodically(0.001))
    while not threads:
        await asyncio.sleep(0.001)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert threading.get_ident() not in threads
    assert memtune.STATS["trims"] >= 1


async def test_a_trim_only_once_the_process_grew(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first check trims; then only RSS growing past the threshold above where the last
    trim left it, or the lowest it was seen at since (or the longest interval), calls for
    another."""
    fake = FakeLibc()
    monkeypatch.setattr(memtune, "_libc", lambda: fake)
    rss = [100.0]
    reads = [0]

    def read() -> float:
        reads[0] += 1
        return rss[0]

    monkeypatch.setattr(memtune, "_rss_mib", read)
    task = asyncio.create_task(memtune.trim_periodically(0.001, growth_mib=4.0,
                                                         at_least_every=3600.0))

    async def checks(n: int) -> int:
        """Let the trimmer look at RSS n more times; the trims so far."""
        until = reads[0] + n
        for _ in range(10_000):
            if reads[0] >= until:
                break
            await asyncio.sleep(0.001)
        return len(fake.calls)

    try:
        assert await checks(4) == 1       # the first check, then a flat RSS
        rss[0] = 102.0
        assert await checks(4) == 1       # grown, not enough
        rss[0] = 99.0                     # fell (glibc gave the top back itself)
        await checks(3)
        rss[0] = 103.5                    # 4.5 above the lowest seen: a trim
        assert await checks(4) == 2
    finally:
        task.cancel()
