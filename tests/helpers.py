"""Small helpers shared by tests: reading CSRF tokens, signing up and in through the pages."""

from __future__ import annotations

import re
from typing import Any

from server.accounts import service
from server.accounts.queries import LocalUser
from server.config import Config
from server.db import Database

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


async def get_form_token(client: Any, path: str) -> str:
    resp = await client.get(path)
    assert resp.status == 200, await resp.text()
    return csrf_from(await resp.text())


async def post_form(client: Any, path: str, data: dict[str, str], *, token_from: str | None = None,
                    allow_redirects: bool = False) -> Any:
    token = await get_form_token(client, token_from or path)
    return await client.post(path, data={**data, "csrf_token": token},
                             allow_redirects=allow_redirects)


async def make_user(db: Database, config: Config, clock: Any, username: str = "ada", *,
                    password: str = "correct horse battery", role: str = "user",
                    approved: bool = True) -> LocalUser:
    async with db.transaction() as conn:
        return await service.create_local_user(
            conn, config=config, username=username, email=f"{username}@example.org",
            password=password, now=clock.now(), role=role, approved=approved)


async def sign_in(client: Any, login: str, password: str = "correct horse battery") -> Any:
    return await post_form(client, "/auth/sign_in", {"login": login, "password": password})


async def make_account(db: Database, config: Config, clock: Any, username: str = "ada",
                       **kwargs: Any) -> Any:
    """A local account (the Account row, as services take it)."""
    from server.accounts import queries as accounts_q

    user = await make_user(db, config, clock, username, **kwargs)
    async with db.acquire() as conn:
        return await accounts_q.get_account(conn, account_id=user.account_id)


async def make_remote_account(db: Database, clock: Any, username: str = "alice",
                              domain: str = "mastodon.test", *, locked: bool = False) -> Any:
    """A remote actor as federation would have stored it."""
    from server.accounts import queries as accounts_q
    from server.ids import new_id

    base = f"https://{domain}/users/{username}"
    async with db.transaction() as conn:
        account_id = await accounts_q.insert_account(conn, accounts_q.NewAccount(
            id=new_id(), username=username, domain=domain, display_name=username.title(),
            uri=base, url=f"https://{domain}/@{username}", inbox_url=f"{base}/inbox",
            shared_inbox_url=f"https://{domain}/inbox", outbox_url=f"{base}/outbox",
            followers_url=f"{base}/followers", following_url=f"{base}/following",
            featured_url=None, public_key_pem=None, public_key_id=f"{base}#main-key",
            private_key_pem=None), now=clock.now())
        if locked:
            await conn.execute("UPDATE accounts SET locked = true WHERE id = $1", account_id)
        return await accounts_q.get_account(conn, account_id=account_id)
