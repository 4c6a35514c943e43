"""server/db/coalesce.py on a real PostgreSQL: calls made together share a statement, each
caller gets its own answer in the order asked, batches keep to their bound, a row PostgreSQL
refuses fails only its own caller, and a cancelled caller cancels nobody else."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from server.db import Database
from server.db.coalesce import ROW_REFUSED, Coalescer

Insert = Callable[[list[int]], Awaitable[list[int]]]


@pytest.fixture
async def table(db: Database) -> AsyncIterator[Database]:
    """A table of its own: a CHECK refuses negative numbers, a trigger refuses 13."""
    async with db.acquire() as conn:
        await conn.execute("""
            CREATE SCHEMA coalesce_test;
            CREATE TABLE coalesce_test.rows (n integer PRIMARY KEY CHECK (n >= 0));
            CREATE FUNCTION coalesce_test.refuse_13() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.n = 13 THEN RAISE EXCEPTION 'thirteen is refused'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_13 BEFORE INSERT ON coalesce_test.rows
                FOR EACH ROW EXECUTE FUNCTION coalesce_test.refuse_13();""")
    yield db


def inserter(db: Database, statements: list[list[int]], *, pause: float = 0.0) -> Insert:
    """Insert the numbers in one statement; answer each with its square (read back)."""
    async def run(numbers: list[int]) -> list[int]:
        statements.append(list(numbers))
        async with db.acquire() as conn:
            if pause:
                await asyncio.sleep(pause)
            rows = await conn.fetch(
                "INSERT INTO coalesce_test.rows (n) SELECT u.n FROM unnest($1::int[])"
                " WITH ORDINALITY AS u(n, i) ORDER BY u.i RETURNING n * n AS sq", numbers)
        return [r["sq"] for r in rows]
    return run


async def stored(db: Database) -> list[int]:
    async with db.acquire() as conn:
        return [r["n"] for r in await conn.fetch("SELECT n FROM coalesce_test.rows ORDER BY n")]


async def test_calls_made_together_share_a_statement_and_get_their_own_answers(
        table: Database) -> None:
    statements: list[list[int]] = []
    rows = Coalescer(inserter(table, statements), max_batch=64, refused=ROW_REFUSED)
    answers = await asyncio.gather(*(rows(n) for n in range(1, 9)))
    assert answers == [n * n for n in range(1, 9)]
    assert statements == [list(range(1, 9))]      # one statement, in the order asked
    assert await stored(table) == list(range(1, 9))


async def test_a_lone_call_starts_at_once_and_calls_meanwhile_go_in_the_next(
        table: Database) -> None:
    statements: list[list[int]] = []
    rows = Coalescer(inserter(table, statements, pause=0.05), max_batch=64)
    first = asyncio.ensure_future(rows(1))
    await asyncio.sleep(0.01)                     # the first statement is running
    assert statements == [[1]]
    later = [asyncio.ensure_future(rows(n)) for n in (2, 3, 4)]
    assert await asyncio.gather(first, *later) == [1, 4, 9, 16]
    assert statements == [[1], [2, 3, 4]]


async def test_batches_keep_to_their_bound(table: Database) -> None:
    statements: list[list[int]] = []
    rows = Coalescer(inserter(table, statements), max_batch=4)
    assert await asyncio.gather(*(rows(n) for n in range(10))) == [n * n for n in range(10)]
    assert statements == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


@pytest.mark.parametrize("bad", [-1, 13], ids=["check constraint", "trigger"])
async def test_a_refused_row_fails_only_its_own_caller(table: Database, bad: int) -> None:
    statements: list[list[int]] = []
    rows = Coalescer(inserter(table, statements), max_batch=64, refused=ROW_REFUSED)
    asked = [1, 2, bad, 3, 4]
    answers = await asyncio.gather(*(rows(n) for n in asked), return_exceptions=True)
    assert [a for n, a in zip(asked, answers) if n != bad] == [1, 4, 9, 16]
    [refused] = [a for n, a in zip(asked, answers) if n == bad]
    assert isinstance(refused, ROW_REFUSED)
    # the batch, refused as a whole (rolled back), then each row alone
    assert statements == [asked, [1], [2], [bad], [3], [4]]
    assert await stored(table) == [1, 2, 3, 4]


async def test_an_error_that_is_not_a_refused_row_fails_the_whole_batch(
        table: Database) -> None:
    statements: list[list[int]] = []
    # a refused row, but not one this coalescer was told to retry row by row
    rows = Coalescer(inserter(table, statements), max_batch=64)
    answers = await asyncio.gather(*(rows(n) for n in (1, -1, 2)), return_exceptions=True)
    assert all(isinstance(a, asyncpg.CheckViolationError) for a in answers)
    assert statements == [[1, -1, 2]] and await stored(table) == []


async def test_a_cancelled_caller_cancels_nobody_else(table: Database) -> None:
    statements: list[list[int]] = []
    rows = Coalescer(inserter(table, statements, pause=0.05), max_batch=64)
    calls = [asyncio.ensure_future(rows(n)) for n in (1, 2, 3)]
    await asyncio.sleep(0.01)
    calls[1].cancel()                              # its request hung up
    answers = await asyncio.gather(*calls, return_exceptions=True)
    assert answers[0] == 1 and answers[2] == 9
    assert isinstance(answers[1], asyncio.CancelledError)
    assert await stored(table) == [1, 2, 3]        # its row was written all the same
    assert await rows(4) == 16                     # and the coalescer goes on


async def test_callers_left_waiting_when_the_drain_stops_get_an_error(table: Database) -> None:
    statements: list[list[int]] = []
    rows = Coalescer(inserter(table, statements, pause=0.2), max_batch=1, name="row writer")
    calls = [asyncio.ensure_future(rows(n)) for n in (1, 2, 3)]
    await asyncio.sleep(0.05)
    draining = rows._draining
    assert draining is not None
    draining.cancel()                              # what closing the loop does to it
    answers = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(a, ConnectionError) and "row writer stopped" in str(a)
               for a in answers)
    assert await rows(5) == 25                     # a new drain starts with the next call


async def test_equal_keys_are_asked_once_and_each_caller_answered(table: Database) -> None:
    statements: list[list[int]] = []
    rows = Coalescer(inserter(table, statements), max_batch=2, distinct=True)
    answers = await asyncio.gather(*(rows(n) for n in (1, 2, 1, 3, 2, 3)))
    assert answers == [1, 4, 1, 9, 4, 9]
    # the bound counts distinct keys: 1 and 2 (asked twice each) first, then 3
    assert statements == [[1, 2], [3]]


async def test_one_per_turn_releases_the_callers_in_order_one_per_turn() -> None:
    async def double(keys: list[int]) -> list[int]:
        return [k * 2 for k in keys]

    loop = asyncio.get_running_loop()
    turns = [0]
    ticking = [True]

    def tick() -> None:
        turns[0] += 1
        if ticking[0]:
            loop.call_soon(tick)

    loop.call_soon(tick)
    seen: list[tuple[int, int]] = []
    together = Coalescer(double, max_batch=10, one_per_turn=True)

    async def caller(k: int) -> None:
        value = await together(k)
        seen.append((value, turns[0]))

    await asyncio.gather(*(caller(k) for k in range(5)))
    ticking[0] = False
    assert [v for v, _ in seen] == [0, 2, 4, 6, 8]
    assert len({t for _, t in seen}) == 5


async def test_a_run_giving_the_wrong_number_of_answers_fails_its_callers() -> None:
    async def short(keys: list[Any]) -> list[Any]:
        return keys[:-1]

    broken = Coalescer(short, max_batch=10)
    answers = await asyncio.gather(broken(1), broken(2), return_exceptions=True)
    assert all(isinstance(a, RuntimeError) for a in answers)
