"""W3: how long new actors' activities wait between acceptance (202) and verification.

A thread samples `inbox_unverified` every SAMPLE_SECONDS through the run and the drain
after it: how many wait, and how long the oldest has waited. The longest wait seen bounds
the lag from above (to within a sample); the mean lag comes from Little's law, the mean
number waiting times the span over the activities that went through. A lane that yields
under load shows here: the known senders keep their rate while these numbers grow.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import asyncpg

SAMPLE_SECONDS = 0.2


class LagSampler:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.samples: list[tuple[int, float]] = []   # (waiting, oldest's age in s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._loop()), daemon=True)
        self._t0 = 0.0
        self.span = 0.0

    async def _loop(self) -> None:
        conn = await asyncpg.connect(self.dsn)
        try:
            while not self._stop.is_set():
                row = await conn.fetchrow(
                    "SELECT count(*) AS n, coalesce(extract(epoch FROM clock_timestamp() "
                    "- min(received_at)), 0) AS age FROM inbox_unverified")
                self.samples.append((int(row["n"]), float(row["age"])))
                await asyncio.sleep(SAMPLE_SECONDS)
        finally:
            await conn.close()

    def __enter__(self) -> LagSampler:
        self._t0 = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.span = time.perf_counter() - self._t0
        self._stop.set()
        self._thread.join(timeout=10)

    def figures(self, went_through: int) -> dict[str, Any]:
        if not self.samples:
            return {"lag_max_s": 0.0, "lag_mean_s": 0.0, "waiting_max": 0}
        mean_waiting = sum(n for n, _ in self.samples) / len(self.samples)
        return {"lag_max_s": max(age for _, age in self.samples),
                "lag_mean_s": mean_waiting * self.span / max(went_through, 1),
                "waiting_max": max(n for n, _ in self.samples)}
