"""Mastodon.py's push helpers against a server on a loopback port: its generated keys, its
subscribe, read, update and delete calls, and a message its keys open."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from mastodon import Mastodon, MastodonNotFoundError

from server.clock import FrozenClock
from server.db import Database
from tests.api.conftest import PASSWORD
from tests.api.test_mastodon_py import _free_port
from tests.conftest import make_config
from tests.helpers import make_user
from tests.push.fakepush import Device, FakePushService

SCOPES = ["read", "write", "follow", "push"]


@pytest.fixture
async def live(aiohttp_server: Any, db: Database, clock: FrozenClock, tmp_path: Any) -> str:
    from server.app import create_app

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    config = make_config(domain=f"127.0.0.1:{port}", base_url=base, data_dir=tmp_path / "data",
                         contact_email="admins@ch.test")
    for name in ("ada", "bob"):
        await make_user(db, config, clock, name, password=PASSWORD)
    await aiohttp_server(create_app(config, db=db, clock=clock), host="127.0.0.1", port=port)
    return base


def _client(base: str, login: str) -> Mastodon:
    client_id, client_secret = Mastodon.create_app("Push test", scopes=SCOPES, api_base_url=base)
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base,
                   version_check_mode="none")
    api.log_in(f"{login}@example.org", PASSWORD, scopes=SCOPES, allow_http=True)
    return api


def _subscribe(base: str, endpoint: str) -> tuple[Mastodon, dict[str, Any], Any, Any]:
    ada = _client(base, "ada")
    private, public = ada.push_subscription_generate_keys()
    made = ada.push_subscription_set(endpoint, public, mention_events=True, follow_events=False)
    return ada, private, made, ada.push_subscription()


def _change_and_remove(ada: Mastodon) -> tuple[Any, bool]:
    updated = ada.push_subscription_update(mention_events=True, favourite_events=True)
    ada.push_subscription_delete()
    try:
        ada.push_subscription()
        return updated, False
    except MastodonNotFoundError:
        return updated, True


async def test_mastodon_py_subscribes_and_its_keys_open_the_push(
        live: str, push_service: FakePushService, push_worker: Any) -> None:
    endpoint = Device("mpy").endpoint
    ada, private, made, shown = await asyncio.to_thread(_subscribe, live, endpoint)
    assert made["endpoint"] == endpoint and made["alerts"]["mention"] is True
    assert made["alerts"]["follow"] is False and shown["id"] == made["id"]
    instance = await asyncio.to_thread(ada.instance_v2)
    assert made["server_key"] == instance["configuration"]["vapid"]["public_key"]

    # The fake push service opens messages with the private key Mastodon.py made.
    push_service.devices["mpy"] = Device(
        "mpy", private=ec.derive_private_key(private["privkey"], ec.SECP256R1()),
        auth=private["auth"])
    bob = await asyncio.to_thread(_client, live, "bob")
    await asyncio.to_thread(bob.status_post, "@ada ping from Mastodon.py")
    await push_worker().run_until_idle()
    assert push_service.errors == []
    [got] = push_service.received
    assert got.message["notification_type"] == "mention"
    assert got.message["body"] == "@ada ping from Mastodon.py"

    updated, removed = await asyncio.to_thread(_change_and_remove, ada)
    assert updated["alerts"]["favourite"] is True
    assert removed
