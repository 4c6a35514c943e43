"""Fixtures for the client API: an app with a real media directory, registered applications
and tokens obtained through the real OAuth endpoints."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from server.accounts.queries import LocalUser
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.ids import new_id
from server.oauth import queries as oauth_q
from server.oauth import service as oauth_service
from server.oauth.service import OOB
from tests.conftest import make_config
from tests.helpers import make_user

PASSWORD = "correct horse battery"


@pytest.fixture
def api_config(tmp_path: Path) -> Config:
    return make_config(data_dir=tmp_path / "data", contact_email="admins@ch.test")


@pytest.fixture
async def api(aiohttp_client: Any, db: Database, clock: FrozenClock, api_config: Config) -> Any:
    from server.app import create_app

    return await aiohttp_client(create_app(api_config, db=db, clock=clock))


@dataclass
class RegisteredApp:
    client_id: str
    client_secret: str
    entity: dict[str, Any]


async def register_app(client: Any, *, scopes: str = "read write follow push",
                       redirect_uris: str = "urn:ietf:wg:oauth:2.0:oob",
                       name: str = "Test client") -> RegisteredApp:
    resp = await client.post("/api/v1/apps", data={"client_name": name, "scopes": scopes,
                                                   "redirect_uris": redirect_uris})
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    return RegisteredApp(body["client_id"], body["client_secret"], body)


async def password_token(client: Any, app: RegisteredApp, login: str, *,
                         scope: str = "read write follow push") -> str:
    resp = await client.post("/oauth/token", data={
        "grant_type": "password", "client_id": app.client_id, "client_secret": app.client_secret,
        "username": login, "password": PASSWORD, "scope": scope})
    assert resp.status == 200, await resp.text()
    return str((await resp.json())["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Member:
    user: LocalUser
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


@pytest.fixture
def member(api: Any, db: Database, api_config: Config,
           clock: FrozenClock) -> Callable[..., Any]:
    """`await member("ada")`: a local user with a full-scope token from the password grant."""

    async def make(username: str = "ada", *, scope: str = "read write follow push",
                   role: str = "user") -> Member:
        user = await make_user(db, api_config, clock, username, password=PASSWORD, role=role)
        # Issued directly rather than by the password grant: argon2 makes that slow, and the
        # grant itself is tested in test_oauth.py.
        token = secrets.token_urlsafe(32)
        async with db.transaction() as conn:
            created = await oauth_service.register_application(
                conn, name="Test client", redirect_uris=OOB, scopes=scope, website=None,
                now=clock.now())
            await oauth_q.insert_access_token(
                conn, token_id=new_id(), token_hash=oauth_service.digest(token),
                application_id=created.application.id, user_id=user.id,
                scopes=scope.split(), now=clock.now())
        return Member(user, token)

    return make
