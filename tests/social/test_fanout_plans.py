"""The fan-out statement is planned once per session wherever it runs: a fresh plan of it
cost more than a small fan-out. The inbox stores remote posts and boosts with fan_out in its
own transaction, which then reuses the session's generic plans until it ends."""

from __future__ import annotations

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.statuses import service as statuses
from server.statuses.compose import Draft
from server.timeline import fanout
from tests.helpers import make_account


async def test_fan_out_reuses_one_plan_for_the_rest_of_its_transaction_only(
        db: Database, config: Config, clock: FrozenClock) -> None:
    ada = await make_account(db, config, clock, "ada")
    async with db.transaction() as conn:
        status = await statuses.create_status(conn, config=config, author=ada,
                                              draft=Draft(text="hello"), now=clock.now())
        assert await conn.fetchval("SELECT current_setting('plan_cache_mode')") == "auto"
        await fanout.fan_out(conn, status=status, now=clock.now())
        assert await conn.fetchval(
            "SELECT current_setting('plan_cache_mode')") == "force_generic_plan"
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT current_setting('plan_cache_mode')") == "auto"
