"""Verified tokens are remembered for a few seconds per process (token_cache_seconds) while
the process listens for token changes: a change made behind its back (another process, an
admin's SQL) shows as soon as it commits, a revocation through it at once, and an unknown
token is never remembered."""

from __future__ import annotations

import asyncio
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
async def cached_api(aiohttp_client: Any, db: Database, clock: FrozenClock, tmp_path: Any,
                     monkeypatch: pytest.MonkeyPatch) -> Any:
    from server.app import create_app

    monkeypatch.setattr(auth, "LISTENER_CHECK_SECONDS", 0.05)

    config = make_config(data_dir=tmp_path / "data", token_cache_seconds=5)
    return await aiohttp_client(create_app(config, db=db, clock=clock))


async def answers(api: Any, token: str, status: int) -> bool:
    """Whether the API soon answers `status` (a notice takes a moment to arrive)."""
    for _ in range(50):
        if (await api.get(VERIFY, headers=bearer(token))).status == status:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_changes_behind_the_process_take_effect_once_committed(
        cached_api: Any, db: Database, clock: FrozenClock) -> None:
    user = await make_user(db, make_config(), clock, "ada", password=PASSWORD)
    token = await password_token(cached_api, await register_app(cached_api), "ada")
    assert (await cached_api.get(VERIFY, headers=bearer(token))).status == 200
    assert auth.token_cache(cached_api.server.app).listening
    assert auth.token_cache(cached_api.server.app)._rows   # remembered
    async with db.acquire() as conn:
        await conn.execute("UPDATE users SET disabled = true WHERE id = $1", user.id)
    assert await answers(cached_api, token, 403)
    async with db.acquire() as conn:
        await conn.execute("UPDATE users SET disabled = false WHERE id = $1", user.id)
    assert await answers(cached_api, token, 200)
    async with db.acquire() as conn:
        await conn.execute("UPDATE oauth_access_tokens SET revoked_at = now()")
    assert await answers(cached_api, token, 401)


async def test_a_copy_still_expires_and_none_is_kept_without_listening(
        cached_api: Any, db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    await make_user(db, make_config(), clock, "ada", password=PASSWORD)
    token = await password_token(cached_api, await register_app(cached_api), "ada")
    assert (await cached_api.get(VERIFY, headers=bearer(token))).status == 200
    cache = auth.token_cache(cached_api.server.app)
    key = auth.digest(token)
    assert cache.get(key) is not None
    now = auth.time.monotonic()
    monkeypatch.setattr(auth.time, "monotonic", lambda: now + 6)
    assert cache.get(key) is None
    cache.stop_listening()
    assert (await cached_api.get(VERIFY, headers=bearer(token))).status == 200
    assert cache.get(key) is None and not cache._rows
    # A row read before a change was heard is not remembered after it.
    cache.listening = True
    row: Any = object()
    before = cache.generation
    cache.clear()
    cache.put(key, row, read_in=before)
    assert cache.get(key) is None


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
    cache.listening = True
    assert cache.get(b"nope") is None
    row: Any = object()
    for i in range(auth.CACHE_MAX_ENTRIES + 5):
        cache.put(i.to_bytes(4, "big"), row)
    assert len(cache._rows) <= auth.CACHE_MAX_ENTRIES
    assert cache.get((auth.CACHE_MAX_ENTRIES + 4).to_bytes(4, "big")) is row
    off = auth.TokenCache(0)
    off.put(b"k", row)
    assert off.get(b"k") is None


async def test_a_copy_in_use_is_read_again_before_it_expires(
        cached_api: Any, db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """In its last quarter a copy still answers, and one read in the background renews it
    (reading what changed meanwhile), so no request waits for the lookup."""
    user = await make_user(db, make_config(), clock, "ada", password=PASSWORD)
    token = await password_token(cached_api, await register_app(cached_api), "ada")
    assert (await cached_api.get(VERIFY, headers=bearer(token))).status == 200
    cache = auth.token_cache(cached_api.server.app)
    key = auth.digest(token)
    first = cache.get(key)
    assert first is not None and not cache.refresh_due(key)
    async with db.acquire() as conn:   # a change nobody announces (no column the trigger watches)
        await conn.execute("UPDATE users SET last_sign_in_at = '2020-01-01' WHERE id = $1", user.id)
    now = auth.time.monotonic()
    monkeypatch.setattr(auth.time, "monotonic", lambda: now + 4)
    assert cache.refresh_due(key)
    assert (await cached_api.get(VERIFY, headers=bearer(token))).status == 200
    await asyncio.gather(*cache.refreshing.values())
    assert not cache.refreshing
    again = cache.get(key)
    assert again is not None and not cache.refresh_due(key)
    assert again.last_sign_in_at is not None and again.last_sign_in_at.year == 2020


async def listening_again(cache: auth.TokenCache) -> bool:
    for _ in range(100):
        if cache.listening:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_lost_listening_connection_is_made_anew_and_nothing_is_trusted_meanwhile(
        cached_api: Any, db: Database, clock: FrozenClock) -> None:
    """The listening connection is killed: every copy is forgotten at once, a revocation
    made before the process listens again counts, and once it listens again (on a new
    connection) copies are kept and changes heard as before."""
    user = await make_user(db, make_config(), clock, "ada", password=PASSWORD)
    app = await register_app(cached_api)
    token = await password_token(cached_api, app, "ada")
    other = await password_token(cached_api, app, "ada")
    assert (await cached_api.get(VERIFY, headers=bearer(token))).status == 200
    cache = auth.token_cache(cached_api.server.app)
    assert cache.listening and cache.get(auth.digest(token)) is not None
    async with db.acquire() as conn:
        killed = await conn.fetchval(
            """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid()
                  AND (query ILIKE '%commonhold_tokens%' OR query = 'SELECT 1')""")
    assert killed == 1
    for _ in range(100):
        if not cache.listening or cache.get(auth.digest(token)) is None:
            break
        await asyncio.sleep(0.01)
    assert cache.get(auth.digest(token)) is None
    async with db.acquire() as conn:   # made while nobody hears: must count all the same
        await conn.execute(
            "UPDATE oauth_access_tokens SET revoked_at = now() WHERE token_hash = $1",
            auth.digest(token))
    assert (await cached_api.get(VERIFY, headers=bearer(token))).status == 401
    assert await listening_again(cache)
    assert (await cached_api.get(VERIFY, headers=bearer(other))).status == 200
    assert cache.get(auth.digest(other)) is not None   # remembered again
    async with db.acquire() as conn:
        await conn.execute("UPDATE users SET disabled = true WHERE id = $1", user.id)
    assert await answers(cached_api, other, 403)   # heard on the new connection
