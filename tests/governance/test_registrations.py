"""Who may sign up follows the charter in force once there is one, and changes only when the
members amend it; before the founding charter, the COMMONHOLD_REGISTRATIONS setting
decides."""

from __future__ import annotations

from typing import Any

from server.accounts import queries as accounts_q
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from tests.governance.factories import amend_charter, found_coop
from tests.helpers import get_form_token

SIGNUP = {"email": "{name}@example.org", "password": "correct horse battery",
          "password_confirmation": "correct horse battery", "reason": "I sing in the choir"}


async def _sign_up(client: Any, name: str) -> Any:
    token = await get_form_token(client, "/auth/sign_in")
    data = {**SIGNUP, "email": f"{name}@example.org", "username": name, "csrf_token": token}
    return await client.post("/auth/sign_up", data=data, allow_redirects=False)


async def _approved(db: Database, name: str) -> bool | None:
    async with db.acquire() as conn:
        user = await accounts_q.get_local_user_by_username(conn, username=name)
    return user.approved if user else None


async def test_registrations_follow_the_charter_through_each_mode(
        aiohttp_client: Any, app_factory: Any, db: Database, config: Config,
        clock: FrozenClock, worker: Any) -> None:
    # The setting says open, and with no charter yet it decides.
    client = await aiohttp_client(app_factory(registrations="open"))
    resp = await _sign_up(client, "early")
    assert resp.status == 303 and await _approved(db, "early") is True

    # The founding charter says approval: the setting no longer counts.
    users = await found_coop(db, config, clock, ["ada", "bea"])
    voters = [users["ada"], users["bea"]]
    client = await aiohttp_client(app_factory(registrations="open"))
    assert "apply for an account" in await (await client.get("/")).text()
    assert "The admins review every sign-up" in await (await client.get("/auth/sign_up")).text()
    resp = await _sign_up(client, "cy")
    assert resp.status == 200 and "awaiting approval" in await resp.text()
    assert await _approved(db, "cy") is False

    # The members amend it to open...
    await amend_charter(db, clock, worker, voters, 'registrations = "approval"',
                        'registrations = "open"')
    client = await aiohttp_client(app_factory(registrations="closed"))
    assert "create an account" in await (await client.get("/")).text()
    resp = await _sign_up(client, "dee")
    assert resp.status == 303 and await _approved(db, "dee") is True

    # ...and then to closed.
    await amend_charter(db, clock, worker, voters, 'registrations = "open"',
                        'registrations = "closed"')
    client = await aiohttp_client(app_factory(registrations="open"))
    landing = await (await client.get("/")).text()
    assert "Registrations are closed" in landing and 'href="/auth/sign_up"' not in landing
    assert "Registrations are closed" in await (await client.get("/auth/sign_up")).text()
    resp = await _sign_up(client, "eve")
    assert resp.status == 403 and await _approved(db, "eve") is None
