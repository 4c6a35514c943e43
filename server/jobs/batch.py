"""Job kinds that can also run many jobs at once.

Some handlers pay mostly fixed costs per job (a transaction, a few statements), which many
jobs of the kind can share. Such a kind is registered as `Batched(one, many)`: `one` runs a
single job, as every handler does; `many` gets the payloads of several claimed jobs and
returns the positions it left undone, which the worker then runs through `one`, each with its
own retries and failure. `many` must leave a job either done or untouched, so that `one` can
still take it; when `many` raises, every job of the batch goes through `one`.

`per_slot`: how many jobs of the kind share one of the worker's slots when batched. A batch
is one transaction on one connection, so counting each of its jobs as a slot would leave a
worker few batches in flight and its round trips waiting on one another.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from server.jobs.context import JobContext

JobHandler = Callable[[JobContext, dict[str, Any]], Awaitable[None]]
# The payloads of the jobs, in claim order -> positions (into that list) left for `one`.
BatchHandler = Callable[[JobContext, Sequence[dict[str, Any]]], Awaitable[Sequence[int]]]


@dataclass(frozen=True)
class Batched:
    one: JobHandler
    many: BatchHandler
    per_slot: int = 1

    async def __call__(self, ctx: JobContext, payload: dict[str, Any]) -> None:
        await self.one(ctx, payload)
