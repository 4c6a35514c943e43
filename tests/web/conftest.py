"""Fixtures for the reading and posting pages: members signed in through the real sign-in
form, each with a client of their own (their own cookies), and helpers to post forms."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from tests.helpers import csrf_from, make_user, sign_in


@dataclass
class Browser:
    """One member's cookie jar and account."""

    client: Any
    account: Account

    async def form(self, path: str, data: dict[str, str], *, token_from: str = "/") -> Any:
        page = await self.client.get(token_from)
        token = csrf_from(await page.text())
        return await self.client.post(path, data={**data, "csrf_token": token},
                                      allow_redirects=False)

    async def page(self, path: str) -> tuple[int, str]:
        resp = await self.client.get(path, allow_redirects=False)
        return resp.status, await resp.text()


@pytest.fixture
def member(aiohttp_client: Any, app_factory: Callable[..., Any], db: Database, config: Config,
           clock: FrozenClock) -> Callable[[str], Awaitable[Browser]]:
    async def make(username: str) -> Browser:
        user = await make_user(db, config, clock, username)
        client = await aiohttp_client(app_factory())
        resp = await sign_in(client, username)
        assert resp.status == 303, await resp.text()
        async with db.acquire() as conn:
            account = await accounts_q.get_account(conn, account_id=user.account_id)
        assert account is not None
        return Browser(client, account)

    return make


@pytest.fixture
async def stranger(aiohttp_client: Any, app_factory: Callable[..., Any]) -> Any:
    """A browser that is not signed in."""
    return await aiohttp_client(app_factory())


def status_ids(html: str) -> list[int]:
    """The statuses a page shows, in order."""
    return [int(i) for i in re.findall(r'id="status-(\d+)"', html)]
