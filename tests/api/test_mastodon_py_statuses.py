"""The real Mastodon.py client against a running server, the way an app uses it: one person
logs in with the password grant, another with the authorization code and PKCE (through the
sign-in and consent pages); they follow, post with a poll, reply, boost, favourite, read
their timelines and notifications, and a user stream sees the other's post arrive."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import queue
import re
import secrets
import time
from typing import Any

import pytest
import requests
from mastodon import Mastodon, StreamListener

from server.accounts import queries as accounts_q
from server.clock import FrozenClock
from server.db import Database
from server.follows import service as follows
from tests.api.conftest import PASSWORD
from tests.api.test_mastodon_py import _free_port
from tests.conftest import make_config
from tests.helpers import make_user

SCOPES = ["read", "write", "follow"]


@pytest.fixture
async def live(aiohttp_server: Any, db: Database, clock: FrozenClock, tmp_path: Any) -> Any:
    """A server with its own job worker, so posts reach home feeds and streams by themselves.
    Bea follows Ada (through the follows service: the follow endpoint lives elsewhere)."""
    from server.app import create_app

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    config = make_config(domain=f"127.0.0.1:{port}", base_url=base, data_dir=tmp_path / "data",
                         contact_email="admins@example.org")
    ada = await make_user(db, config, clock, "ada", password=PASSWORD)
    bea = await make_user(db, config, clock, "bea", password=PASSWORD)
    async with db.transaction() as conn:
        a = await accounts_q.get_account(conn, account_id=ada.account_id)
        b = await accounts_q.get_account(conn, account_id=bea.account_id)
        await follows.follow(conn, config=config, follower=b, target=a, now=clock.now())
    server = await aiohttp_server(create_app(config, db=db, clock=clock, job_workers=1),
                                  host="127.0.0.1", port=port)
    yield base
    await server.close()     # before the pool closes: the job worker holds a connection


def _pkce_token(base: str, client_id: str, client_secret: str, login: str) -> str:
    """Sign in and consent in a browser session with a S256 challenge; trade the code with
    the verifier (Mastodon.py itself has no PKCE support)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base,
                   version_check_mode="none")
    url = api.auth_request_url(scopes=SCOPES, allow_http=True)
    url += f"&code_challenge={challenge}&code_challenge_method=S256"
    browser = requests.Session()
    sign_in = browser.get(url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', sign_in.text).group(1)  # type: ignore[union-attr]
    following = re.search(r'name="next" value="([^"]+)"', sign_in.text).group(1)  # type: ignore[union-attr]
    page = browser.post(f"{base}/auth/sign_in", data={
        "login": login, "password": PASSWORD, "csrf_token": token,
        "next": following.replace("&amp;", "&")})
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', page.text))
    fields["decision"] = "authorize"
    shown = browser.post(f"{base}/oauth/authorize", data=fields)
    code = re.search(r'readonly value="([^"]+)"', shown.text).group(1)  # type: ignore[union-attr]
    resp = requests.post(f"{base}/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": client_id,
        "client_secret": client_secret, "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
        "code_verifier": verifier})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["access_token"])


class Collect(StreamListener):  # type: ignore[misc]
    def __init__(self) -> None:
        self.updates: queue.Queue[Any] = queue.Queue()

    def on_update(self, status: Any) -> None:
        self.updates.put(status)


def _scenario(base: str) -> dict[str, Any]:
    client_id, client_secret = Mastodon.create_app("End to end", scopes=SCOPES, api_base_url=base)
    ada = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base,
                   version_check_mode="none")
    ada.log_in("ada@example.org", PASSWORD, scopes=SCOPES, allow_http=True)
    bea = Mastodon(access_token=_pkce_token(base, client_id, client_secret, "bea"),
                   api_base_url=base, version_check_mode="none")
    out: dict[str, Any] = {"bea": bea.account_verify_credentials()["username"]}

    listener = Collect()
    handle = bea.stream_user(listener, run_async=True, timeout=30)
    deadline = time.monotonic() + 15
    while not handle.is_receiving() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        post = ada.status_post("Which one? #coop", poll=ada.make_poll(["tea", "coffee"], expires_in=3600))
        out["post"] = post
        out["streamed"] = listener.updates.get(timeout=15)
    finally:
        handle.close()
    reply = bea.status_post("tea, clearly", in_reply_to_id=post["id"])
    out["reply"] = reply
    out["boost"] = bea.status_reblog(post["id"])
    out["favourite"] = bea.status_favourite(post["id"])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        out["home"] = bea.timeline_home()
        if any(s["id"] == reply["id"] for s in out["home"]):
            break
        time.sleep(0.1)
    out["local"] = ada.timeline_local()
    out["tag"] = ada.timeline_hashtag("coop")
    out["notifications"] = ada.notifications()
    out["context"] = ada.status_context(post["id"])
    return out


async def test_mastodon_py_posts_reads_and_streams(live: str) -> None:
    result = await asyncio.to_thread(_scenario, live)
    post = result["post"]
    assert result["bea"] == "bea"
    assert [o["title"] for o in post["poll"]["options"]] == ["tea", "coffee"]
    assert result["streamed"]["id"] == post["id"]
    assert result["reply"]["in_reply_to_id"] == post["id"]
    assert result["boost"]["reblog"]["id"] == post["id"]
    assert result["favourite"]["favourited"] is True
    assert post["id"] in [s["id"] for s in result["home"]]
    assert post["id"] in [s["id"] for s in result["local"]]
    assert [s["id"] for s in result["tag"]] == [post["id"]]
    assert {n["type"] for n in result["notifications"]} >= {"mention", "reblog", "favourite", "follow"}
    assert [s["id"] for s in result["context"]["descendants"]] == [result["reply"]["id"]]


async def test_mastodon_py_posts_with_media(live: str) -> None:
    def scenario() -> Any:
        client_id, client_secret = Mastodon.create_app("Media", scopes=SCOPES, api_base_url=live)
        ada = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=live,
                       version_check_mode="none")
        ada.log_in("ada@example.org", PASSWORD, scopes=SCOPES, allow_http=True)
        from io import BytesIO

        from PIL import Image
        png = BytesIO()
        Image.new("RGB", (32, 32), "teal").save(png, "PNG")
        media = ada.media_post(png.getvalue(), mime_type="image/png", description="a teal square")
        return ada.status_post("with a picture", media_ids=[media["id"]])

    status = await asyncio.to_thread(scenario)
    assert status["media_attachments"][0]["description"] == "a teal square"
