"""The claims' ordering-key check looks up a key's earlier job through jobs_ordering_idx,
whatever the plan: with 30,000 other jobs queued before the keyed ones, a custom plan
used to walk the primary key over all of them, on every claim (W3: 4-14 ms a claim)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.clock import FrozenClock
from server.db import Database
from server.federation.activitypub.unverified import queries as unverified_q
from server.jobs import queries as jobs_q

VERIFY = "federation.verify_inbox_item"


async def _queue(db: Database, clock: FrozenClock) -> None:
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO jobs (kind, payload, run_at, max_attempts, ordering_key, created_at) "
            "SELECT 'federation.process_inbox_item', '{}', $1, 10, NULL, $1 "
            "FROM generate_series(1, 30000)", clock.now())
        await conn.execute(
            "INSERT INTO jobs (kind, payload, run_at, max_attempts, ordering_key, created_at) "
            "SELECT $2, jsonb_build_object('n', g), $1, 10, $2 || ':far.test:' || (g % 4), $1 "
            "FROM generate_series(1, 3000) g", clock.now(), VERIFY)
        await conn.execute("ANALYZE jobs")


@pytest.mark.parametrize("claim", ["verify", "general"])
async def test_the_ordering_check_never_walks_the_jobs_queued_before(
        db: Database, clock: FrozenClock, claim: str) -> None:
    await _queue(db, clock)
    sql = (unverified_q.Q["finish_and_claim_verify_jobs"] if claim == "verify"
           else jobs_q.Q["finish_and_claim_jobs"])
    now = clock.now()
    args = (f"'{{}}'::bigint[], '{now.isoformat()}', 1, "
            f"'{(now + timedelta(minutes=5)).isoformat()}'"
            + (f", ARRAY['{VERIFY}'], '{{}}'::text[]" if claim == "general" else ""))
    async with db.acquire() as conn:
        # the plan asyncpg's prepared statement kept: custom, as its estimate looks cheaper
        await conn.execute("SET plan_cache_mode = force_custom_plan")
        await conn.execute(f"PREPARE claim AS {sql.rstrip().rstrip(';')}")
        plan = "\n".join(r[0] for r in await conn.fetch(
            f"EXPLAIN (ANALYZE, COSTS OFF) EXECUTE claim({args})"))
        await conn.execute("DEALLOCATE claim")
        await conn.execute("RESET plan_cache_mode")
    assert "jobs_ordering_idx" in plan, plan
    removed = [int(line.split(":")[1]) for line in plan.splitlines()
               if "Rows Removed by Filter" in line]
    assert all(n < 100 for n in removed), plan
