"""New senders' POSTs kept at the same moment share one commit (unverified.service.Keeper),
each row still decided on its own: a row PostgreSQL refuses fails only its own POST."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from server.federation.activitypub.sigcore import ParsedSignature
from server.federation.activitypub.unverified import queries as q
from server.federation.activitypub.unverified import service as unverified
from tests.federation.conftest import Local


def item(local: Local, n: int, raw: str = "{}") -> q.ItemToDefer:
    key_id = f"https://far.test/users/n{n}#main-key"
    parsed = ParsedSignature(scheme="cavage", key_id=key_id, algorithm="", signing_string=b"s",
                             signature=b"x", covered=("date",), created=None)
    return q.ItemToDefer(
        item_id=1000 + n, activity_id=f"https://far.test/a/{n}",
        actor_uri=f"https://far.test/users/n{n}", type="Follow", host="far.test", raw_json=raw,
        inbox_account_id=None, received_at=local.clock.now(), parsed=parsed,
        ordering_key=f"{unverified.JOB_KIND}:far.test:0", domains=["far.test", "test"],
        deletes_actor=False)


async def test_posts_kept_together_share_one_commit_and_a_bad_row_fails_alone(
        local: Local, monkeypatch: pytest.MonkeyPatch) -> None:
    batches: list[int] = []
    original = asyncpg.connection.Connection.fetchmany

    async def counted(self: Any, query: str, args: Any, **kwargs: Any) -> Any:
        args = list(args)
        batches.append(len(args))
        return await original(self, query, args, **kwargs)

    monkeypatch.setattr(asyncpg.connection.Connection, "fetchmany", counted)
    keeper = unverified.keeper_for(local.ctx)
    # asked in one turn of the loop: all five go together, one of them bad
    items = [item(local, n, raw="\x00" if n == 3 else "{}") for n in range(5)]
    results = await asyncio.gather(*(keeper.keep(it) for it in items), return_exceptions=True)
    assert batches[0] == 5  # then, refused, one row at a time (one-row batches: fetchrow)
    assert isinstance(results[3], asyncpg.DataError)
    good = [r for i, r in enumerate(results) if i != 3]
    # the rows before the bad one were not committed by the refused pipeline: kept anew
    assert all(isinstance(r, q.DeferOutcome) and r.kept for r in good), results
    async with local.db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM inbox_unverified") == 4
        assert await conn.fetchval("SELECT count(*) FROM jobs WHERE kind = $1",
                                   unverified.JOB_KIND) == 4


async def test_the_host_bound_counts_rows_kept_earlier_in_the_same_commit(
        local: Local, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unverified, "MAX_PER_HOST", 2)
    keeper = unverified.keeper_for(local.ctx)
    results = await asyncio.gather(*(keeper.keep(item(local, n)) for n in range(4)))
    assert [r.kept for r in results] == [True, True, False, False]
    assert [r.has_room for r in results] == [True, True, False, False]
