"""The real Mastodon.py client library against a server on a loopback port: it registers an
app, logs in (password grant, and the authorization code through the pages), reads its
account and the instance (checking the version string it parses), edits the profile and
revokes its token."""

from __future__ import annotations

import asyncio
import re
import socket
from typing import Any

import pytest
import requests
from mastodon import Mastodon, MastodonAPIError

from server.clock import FrozenClock
from server.db import Database
from tests.api.conftest import PASSWORD
from tests.conftest import make_config
from tests.helpers import make_user

SCOPES = ["read", "write", "follow"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def live(aiohttp_server: Any, db: Database, clock: FrozenClock, tmp_path: Any) -> Any:
    from server.app import create_app

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    config = make_config(domain=f"127.0.0.1:{port}", base_url=base, data_dir=tmp_path / "data",
                         contact_email="admins@example.org")
    await make_user(db, config, clock, "ada", password=PASSWORD)
    await aiohttp_server(create_app(config, db=db, clock=clock), host="127.0.0.1", port=port)
    return base


def _password_flow(base: str) -> dict[str, Any]:
    client_id, client_secret = Mastodon.create_app("Smoke test", scopes=SCOPES,
                                                   api_base_url=base)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base,
                   version_check_mode="created")
    api.log_in("ada@example.org", PASSWORD, scopes=SCOPES, allow_http=True)
    me = api.account_verify_credentials()
    instance = api.instance()
    updated = api.account_update_credentials(display_name="Ada via Mastodon.py", locked=True,
                                             fields=[("Web", "https://ada.example")])
    relationships = api.account_relationships([me["id"]])
    version = (api.mastodon_major, api.mastodon_minor, api.mastodon_patch)
    api.revoke_access_token(allow_http=True)
    try:
        api.account_verify_credentials()
        revoked = False
    except MastodonAPIError:
        revoked = True
    return {"me": me, "instance": instance, "updated": updated, "version": version,
            "relationships": relationships, "revoked": revoked,
            "api_version": api.mastodon_api_version}


def _code_flow(base: str) -> str:
    """A person signs in and approves in a browser session; the app trades the code."""
    client_id, client_secret = Mastodon.create_app("Code flow", scopes=["read"],
                                                   api_base_url=base)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    url = api.auth_request_url(scopes=["read"], allow_http=True)
    browser = requests.Session()
    sign_in = browser.get(url)              # redirected to the sign-in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', sign_in.text).group(1)  # type: ignore[union-attr]
    following = re.search(r'name="next" value="([^"]+)"', sign_in.text).group(1)  # type: ignore[union-attr]
    page = browser.post(f"{base}/auth/sign_in", data={
        "login": "ada", "password": PASSWORD, "csrf_token": token,
        "next": following.replace("&amp;", "&")})
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', page.text))
    fields["decision"] = "authorize"
    shown = browser.post(f"{base}/oauth/authorize", data=fields)
    code = re.search(r'readonly value="([^"]+)"', shown.text).group(1)  # type: ignore[union-attr]
    api.log_in(code=code, scopes=["read"], allow_http=True)
    return str(api.account_verify_credentials()["username"])


async def test_mastodon_py_password_flow(live: str) -> None:
    result = await asyncio.to_thread(_password_flow, live)
    assert result["me"]["username"] == "ada"
    assert result["version"] == (4, 3, 0) and result["api_version"] == 2
    assert result["instance"]["version"].startswith("4.3.0")
    assert result["updated"]["display_name"] == "Ada via Mastodon.py"
    assert result["updated"]["locked"] is True
    assert result["updated"]["source"]["fields"][0]["name"] == "Web"
    assert result["relationships"][0]["following"] is False
    assert result["revoked"]


async def test_mastodon_py_authorization_code_flow(live: str) -> None:
    assert await asyncio.to_thread(_code_flow, live) == "ada"
