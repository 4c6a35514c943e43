"""Two Commonhold instances in one test: `one` (ch.test) and `two` (two.test), each with its
own database and app on a real loopback port, reaching each other over plain http through
the test resolver. Members act through the service functions the API calls; `settle` runs
both workers until the deliveries and inbox processing between them have finished."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.clock import FrozenClock
from server.db import Conn, Database
from server.federation.activitypub import remote_actors
from server.notifications import queries as notifications_q
from server.statuses import queries as statuses_q
from server.statuses import service as statuses
from server.statuses.compose import Draft
from server.statuses.queries import Status
from server.timeline import queries as timeline_q
from tests.conftest import PostgresForTests
from tests.fakes.fediverse import Fediverse
from tests.federation.conftest import Local, start_local
from tests.federation.factories import follow, make_member


@dataclass
class Side:
    local: Local

    @property
    def domain(self) -> str:
        return self.local.config.domain

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Conn]:
        async with self.local.db.transaction() as conn:
            yield conn

    async def member(self, name: str, *, locked: bool = False) -> Account:
        user = await make_member(self.local.db, self.local.config, self.local.clock, name)
        async with self.tx() as conn:
            if locked:
                await conn.execute("UPDATE accounts SET locked = true WHERE id = $1",
                                   user.account_id)
            account = await accounts_q.get_account(conn, account_id=user.account_id)
        assert account is not None
        return account

    async def resolve(self, acct: str) -> Account:
        """How this side knows a member of the other one (WebFinger, then the actor)."""
        return await remote_actors.resolve_acct(self.local.ctx, acct)

    async def account(self, account: Account) -> Account:
        """The freshest row for an account, found by uri (ids differ between the sides)."""
        async with self.local.db.acquire() as conn:
            found = await accounts_q.get_account_by_uri(conn, uri=account.uri)
        assert found is not None, f"{self.domain} does not know {account.uri}"
        return found

    async def seed_follow(self, follower: Account, target: Account) -> None:
        """A follow both sides already agree on (for scenarios about what comes after)."""
        await follow(self.local.db, self.local.clock, (await self.account(follower)).id,
                     (await self.account(target)).id)

    async def post(self, author: Account, text: str, **draft: Any) -> Status:
        async with self.tx() as conn:
            return await statuses.create_status(conn, config=self.local.config, author=author,
                                                draft=Draft(text=text, **draft),
                                                now=self.local.clock.now())

    async def status(self, uri: str) -> Status | None:
        async with self.local.db.acquire() as conn:
            return await statuses_q.get_status_by_uri(conn, uri=uri)

    async def home(self, account: Account) -> list[Status]:
        async with self.local.db.acquire() as conn:
            ids = await timeline_q.list_home_timeline(conn, account_id=account.id, max_id=None,
                                                      since_id=None, min_id=None, limit=40,
                                                      now=self.local.clock.now())
            found = await statuses_q.get_statuses(conn, status_ids=ids)
        return [found[i] for i in ids if i in found]

    async def notifications(self, account: Account) -> list[tuple[str, str]]:
        """(type, sender's uri), newest first."""
        async with self.local.db.acquire() as conn:
            rows = await notifications_q.list_notifications_for(conn, account_id=account.id)
            senders = await accounts_q.get_accounts(
                conn, account_ids=[r["from_account_id"] for r in rows])
        return [(r["type"], senders[r["from_account_id"]].uri) for r in rows]

    async def follows(self, follower: Account, target: Account) -> str | None:
        """"following", "requested" or None, as this side sees it."""
        a, b = (await self.account(follower)).id, (await self.account(target)).id
        async with self.local.db.acquire() as conn:
            if await conn.fetchval("SELECT 1 FROM follows WHERE account_id = $1 "
                                   "AND target_account_id = $2", a, b):
                return "following"
            if await conn.fetchval("SELECT 1 FROM follow_requests WHERE account_id = $1 "
                                   "AND target_account_id = $2", a, b):
                return "requested"
        return None

    async def counts(self, account: Account) -> tuple[int, int]:
        """(followers, following) of a local account."""
        async with self.local.db.acquire() as conn:
            row = await conn.fetchrow("SELECT followers_count, following_count FROM account_stats "
                                      "WHERE account_id = $1", account.id)
        return (row["followers_count"], row["following_count"]) if row else (0, 0)


@dataclass
class Pair:
    one: Side
    two: Side

    async def settle(self, rounds: int = 6) -> None:
        for _ in range(rounds):
            await self.one.local.worker.run_until_idle()
            await self.two.local.worker.run_until_idle()


@pytest.fixture(name="pair")
async def pair_fixture(aiohttp_server: Any, db: Database, postgres: PostgresForTests,
               clock: FrozenClock, fediverse: Fediverse) -> AsyncIterator[Pair]:
    one, one_session = await start_local(aiohttp_server, db, clock, fediverse)
    dsn = await postgres.create_database()
    other_db = await Database.connect(dsn, min_size=1, max_size=10)
    two, two_session = await start_local(aiohttp_server, other_db, clock, fediverse,
                                         domain="two.test", base_url="http://two.test")
    try:
        yield Pair(Side(one), Side(two))
    finally:
        await one_session.close()
        await two_session.close()
        await other_db.close()
        await postgres.drop_database(dsn)
