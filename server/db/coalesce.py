"""Calls made close together, answered by one statement.

Many coroutines of one process often ask the database the same kind of thing at the same
moment: inbox POSTs storing their rows, the deliveries of a claim reading their senders'
keys. Each such call costs a round trip and, for a write, a commit (a WAL flush); answered
together they cost one. A Coalescer takes the calls, and one task of its own runs
`run(keys)` for the keys waiting, then again for those that came meanwhile, until none is
left: the first call starts at once (nothing waits for a batch to fill), later ones go
together in the next statement, at most `max_batch` keys each.

Each caller awaits its own answer, in a future of its own, so a caller that is cancelled
(its request hung up, its job was stopped) cancels nobody else's, and the statement still
runs for the others. When the draining task is itself cancelled (the loop is closing), the
callers still waiting get `ConnectionError`.

`refused`: the exceptions meaning PostgreSQL refused one of the rows (a value it cannot
store, a constraint, a trigger). A statement refused so is run again one key at a time, so
only the caller of the bad row gets the error, as if each had run alone. Any other error
is every waiting caller's.

`distinct`: equal keys waiting together are asked once (reads of the same pair, writes of
the same host); each of their callers still gets the answer.

`one_per_turn`: callers go on one per turn of the event loop instead of all at once, for
callers that have much CPU work to do right after their answer (see delivery.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Generic, TypeVar

import asyncpg

# What PostgreSQL raises when it refuses a row's values (a value it cannot store, a
# constraint, a trigger's RAISE), as opposed to the statement, the connection or the server.
ROW_REFUSED: tuple[type[BaseException], ...] = (
    asyncpg.DataError, asyncpg.IntegrityConstraintViolationError, asyncpg.exceptions.RaiseError)

K = TypeVar("K")
V = TypeVar("V")
Waiting = tuple[K, "asyncio.Future[V]"]


class Coalescer(Generic[K, V]):
    def __init__(self, run: Callable[[list[K]], Awaitable[Sequence[V]]], *,
                 max_batch: int, refused: tuple[type[BaseException], ...] = (),
                 distinct: bool = False, one_per_turn: bool = False,
                 name: str = "coalescer") -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.run = run
        self.max_batch = max_batch
        self.refused = refused
        self.distinct = distinct
        self.one_per_turn = one_per_turn
        self.name = name
        self._waiting: list[Waiting[K, V]] = []
        self._draining: asyncio.Task[None] | None = None

    async def __call__(self, key: K) -> V:
        """The answer for `key` once its statement has run; raises the statement's error."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[V] = loop.create_future()
        self._waiting.append((key, future))
        draining = self._draining
        # A task left from a loop that was closed without cancelling it never drains again.
        if draining is None or draining.done() or draining.get_loop() is not loop:
            self._draining = loop.create_task(self._drain())
        return await future

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._take()
                await self._answer(batch)
        finally:
            if self._draining is asyncio.current_task():
                self._draining = None
            # Cancelled: nobody is left to run the statement for these.
            waiting, self._waiting = self._waiting, []
            _settle(waiting, ConnectionError(f"the {self.name} stopped"))

    def _take(self) -> list[Waiting[K, V]]:
        """The next batch: the first `max_batch` keys waiting (distinct keys, when asked,
        with every caller of each)."""
        if not self.distinct:
            batch, self._waiting = self._waiting[:self.max_batch], self._waiting[self.max_batch:]
            return batch
        keys: set[K] = set()
        batch, rest = [], []
        for waiting in self._waiting:
            if waiting[0] in keys or len(keys) < self.max_batch:
                keys.add(waiting[0])
                batch.append(waiting)
            else:
                rest.append(waiting)
        self._waiting = rest
        return batch

    async def _answer(self, batch: list[Waiting[K, V]]) -> None:
        keys = list(dict.fromkeys(k for k, _ in batch)) if self.distinct else [k for k, _ in batch]
        try:
            values = await self.run(keys)
        except self.refused as exc:
            if len(keys) == 1:
                _settle(batch, exc)
                return
            # One at a time: only the refused row's callers fail.
            if self.distinct:
                for key in keys:
                    await self._answer([w for w in batch if w[0] == key])
            else:
                for waiting in batch:
                    await self._answer([waiting])
            return
        except Exception as exc:
            _settle(batch, exc)
            return
        except BaseException:
            _settle(batch, ConnectionError(f"the {self.name} stopped"))
            raise
        if len(values) != len(keys):
            _settle(batch, RuntimeError(f"the {self.name} got {len(values)} answers "
                                        f"for {len(keys)} keys"))
            return
        if self.distinct:
            by_key = dict(zip(keys, values))
            answers = [(future, by_key[key]) for key, future in batch]
        else:
            answers = [(future, value) for (_, future), value in zip(batch, values)]
        self._release(iter(answers))

    def _release(self, answers: Iterator[tuple[asyncio.Future[V], V]]) -> None:
        for future, value in answers:
            if future.done():  # its caller was cancelled meanwhile
                continue
            future.set_result(value)
            if self.one_per_turn:
                asyncio.get_running_loop().call_soon(self._release, answers)
                return


def _settle(batch: list[Waiting[K, V]], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)
