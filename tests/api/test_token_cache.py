"""Verified tokens are remembered for a few seconds per process (token_cache_seconds): a
change made behind the process's back shows within that time, a revocation through it at
once, and an unknown token is never remembered."""

from __future__ import annotations

from typing import Any

import pytest

from server.api import auth
from server.clock import FrozenClock
from server.db import Database
from tests.api.conftest import PASSWORD, bearer, password_token, register_app
from tests.conftest import make_config
from tests.helpers import make_user

VERIFY = "/api/v1/accounts/verify_credentials"


@pytest.fixture
async def cached_api(aiohttp_client: Any, db: Database, clock: FrozenClock, tmp_path: Any) -> Any:
    from server.app import create_app

    config = make_config(data_dir=tmp_path / "data", token_cache_seconds=5)
    return await aiohttp_client(create_app(config, db=db, clock=clock))


async def test_a_verified_token_is_trusted_until_its_copy_expires(
        cached_api: Any, db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    user = await make_user(db, make_config(), clock, "ada", password=PASSWORD)
    token = await password_token(cached_api, await register_app(cached_api), "ada")
    assert (await cached_api.get(VERIFY, headers=bearer(token))).status == 200
    async with db.acquire() as conn:
        await conn.execute("UPDATE users SET disabled = true WHERE id = $1", user.id)
    # Within the TTL the remembered copy answers (the documented price of the cache) ...
    assert (await cached_api.get(VERIFY, headers=bearer(token))).status == 200
    # ... and once it has expired the database does.
    now = auth.time.monotonic()
    monkeypatch.setattr(auth.time, "monotonic", lambda: now + 6)
    assert (await cached_api.get(VERIFY, headers=bearer(token))).status == 403


async def test_revoking_through_this_process_takes_effect_at_once(
        cached_api: Any, db: Database, clock: FrozenClock) -> None:
    await make_user(db, make_config(), clock, "ada", password=PASSWORD)
    app = await register_app(cached_api)
    token = await password_token(cached_api, app, "ada")
    assert (await cached_api.get(VERIFY, headers=bearer(token))).status == 200
    resp = await cached_api.post("/oauth/revoke", data={"client_id": app.client_id,
                                                        "client_secret": app.client_secret,
                                                        "token": token})
    assert resp.status == 200
    assert (await cached_api.get(VERIFY, headers=bearer(token))).status == 401


def test_unknown_tokens_are_not_remembered_and_the_cache_is_bounded() -> None:
    cache = auth.TokenCache(5)
    assert cache.get(b"nope") is None
    row: Any = object()
    for i in range(auth.CACHE_MAX_ENTRIES + 5):
        cache.put(i.to_bytes(4, "big"), row)
    assert len(cache._rows) <= auth.CACHE_MAX_ENTRIES
    assert cache.get((auth.CACHE_MAX_ENTRIES + 4).to_bytes(4, "big")) is row
    off = auth.TokenCache(0)
    off.put(b"k", row)
    assert off.get(b"k") is None
