"""Signing up through an application (POST /api/v1/accounts) with a real database: the
registrations mode, the Token answer, field errors in Mastodon's shape, the shared per-address
limit, and the e-mail confirmation resend that follows it in clients."""

from __future__ import annotations

from typing import Any

import pytest

from server.accounts import queries as accounts_q
from server.accounts import routes as account_routes
from server.db import Database
from server.web.ratelimit import Limit
from tests.api.conftest import bearer, register_app
from tests.openapi import validate

SIGN_UP = {"username": "newt", "email": "newt@example.org", "password": "a long passphrase",
           "agreement": True, "locale": "en", "reason": "I sing in the choir"}


async def app_token(client: Any, *, scopes: str = "read write follow push") -> tuple[str, Any]:
    app = await register_app(client, scopes=scopes)
    resp = await client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app.client_id,
        "client_secret": app.client_secret, "scope": scopes})
    assert resp.status == 200, await resp.text()
    return str((await resp.json())["access_token"]), app


async def test_open_sign_up_answers_a_token_for_the_new_user(api: Any, db: Database) -> None:
    token, _ = await app_token(api)
    resp = await api.post("/api/v1/accounts", headers=bearer(token), json=SIGN_UP)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    validate(body, "Token")
    assert body["token_type"] == "Bearer" and body["scope"] == "read write follow push"
    me = await api.get("/api/v1/accounts/verify_credentials",
                       headers=bearer(body["access_token"]))
    assert me.status == 200
    assert (await me.json())["username"] == "newt"
    async with db.acquire() as conn:
        user = await accounts_q.get_local_user_by_username(conn, username="newt")
        # A user, not a member: membership stays its own decision under the charter.
        held = await conn.fetchval("SELECT count(*) FROM membership_applications")
    assert user is not None and user.approved and held == 0


async def test_approval_mode_gives_a_token_that_waits_for_approval(
        aiohttp_client: Any, app_factory: Any, db: Database) -> None:
    client = await aiohttp_client(app_factory(registrations="approval"))
    token, _ = await app_token(client)
    resp = await client.post("/api/v1/accounts", headers=bearer(token), json=SIGN_UP)
    assert resp.status == 200, await resp.text()
    user_token = (await resp.json())["access_token"]
    waiting = await client.get("/api/v1/accounts/verify_credentials", headers=bearer(user_token))
    assert waiting.status == 403
    assert (await waiting.json())["error"] == "Your login is currently pending approval"
    async with db.acquire() as conn:
        [pending] = await accounts_q.list_pending_users(conn)
    assert pending.username == "newt"


async def test_closed_registrations_and_user_tokens_are_refused(
        aiohttp_client: Any, app_factory: Any, api: Any, member: Any) -> None:
    closed = await aiohttp_client(app_factory(registrations="closed"))
    token, _ = await app_token(closed)
    resp = await closed.post("/api/v1/accounts", headers=bearer(token), json=SIGN_UP)
    assert resp.status == 403 and "closed" in (await resp.json())["error"]

    ada = await member("ada")
    resp = await api.post("/api/v1/accounts", headers=ada.headers, json=SIGN_UP)
    assert resp.status == 403
    assert "client credentials" in (await resp.json())["error"]   # the kind of token it wants
    assert (await api.post("/api/v1/accounts", json=SIGN_UP)).status == 401
    read_only, _ = await app_token(api, scopes="read")
    assert (await api.post("/api/v1/accounts", headers=bearer(read_only),
                           json=SIGN_UP)).status == 403


async def test_every_wrong_field_is_listed(api: Any) -> None:
    token, _ = await app_token(api)
    resp = await api.post("/api/v1/accounts", headers=bearer(token), json={
        "username": "not ok!", "email": "", "password": "short", "agreement": False})
    assert resp.status == 422
    body = await resp.json()
    validate(body, "ValidationError")
    assert body["error"].startswith("Validation failed: ")
    codes = {field: [d["error"] for d in details] for field, details in body["details"].items()}
    assert codes == {"username": ["ERR_INVALID"], "email": ["ERR_BLANK"],
                     "password": ["ERR_INVALID"], "agreement": ["ERR_ACCEPTED"]}


async def test_a_taken_username_or_address(api: Any, member: Any) -> None:
    await member("ada")
    token, _ = await app_token(api)
    resp = await api.post("/api/v1/accounts", headers=bearer(token),
                          json={**SIGN_UP, "username": "ADA"})
    assert resp.status == 422
    body = await resp.json()
    validate(body, "ValidationError")
    assert body["details"]["username"][0]["error"] == "ERR_TAKEN"
    resp = await api.post("/api/v1/accounts", headers=bearer(token),
                          json={**SIGN_UP, "email": "ada@example.org"})
    assert (await resp.json())["details"]["email"][0]["error"] == "ERR_TAKEN"


async def test_sign_ups_share_the_web_limit_per_address(
        api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    small = Limit("signup_ip", 2, timedelta(minutes=30), "Too many sign-ups from your network.")
    monkeypatch.setattr(account_routes, "SIGNUP_PER_IP", small)
    from server.api import routes_registration

    monkeypatch.setattr(routes_registration, "SIGNUP_PER_IP", small)
    token, _ = await app_token(api)
    for name in ("one", "two"):
        resp = await api.post("/api/v1/accounts", headers=bearer(token),
                              json={**SIGN_UP, "username": name, "email": f"{name}@example.org"})
        assert resp.status == 200, await resp.text()
    resp = await api.post("/api/v1/accounts", headers=bearer(token),
                          json={**SIGN_UP, "username": "three", "email": "three@example.org"})
    assert resp.status == 429


async def test_email_confirmation_resend_has_nothing_to_confirm(api: Any, member: Any) -> None:
    ada = await member("ada")
    resp = await api.post("/api/v1/emails/confirmations", headers=ada.headers)
    assert resp.status == 403
    body = await resp.json()
    validate(body, "Error")
    assert "awaits confirmation" in body["error"]
    assert (await api.post("/api/v1/emails/confirmations")).status == 401


async def test_odd_values_are_field_errors_not_failures(api: Any) -> None:
    token, _ = await app_token(api)
    for body in ({"username": ["a", "b"], "email": {"x": 1}, "password": 12345678901,
                  "agreement": "perhaps"},
                 {"username": "nul\x00", "email": "a@b.example", "password": "p" * 5000,
                  "agreement": "1"}):
        resp = await api.post("/api/v1/accounts", headers=bearer(token), json=body)
        assert resp.status == 422, await resp.text()
        validate(await resp.json(), "ValidationError")
    form = await api.post("/api/v1/accounts", headers=bearer(token),
                          data={**SIGN_UP, "agreement": "true", "username": "formed"})
    assert form.status == 200, await form.text()


async def test_email_confirmation_with_an_application_token(api: Any) -> None:
    token, _ = await app_token(api)
    resp = await api.post("/api/v1/emails/confirmations", headers=bearer(token))
    assert resp.status == 403
    assert "not an application's own token" in (await resp.json())["error"]
