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
