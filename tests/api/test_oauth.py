"""OAuth 2 through the real endpoints and pages: registration, the authorization code with
PKCE, oob, the password and client-credentials grants, revocation and their failures."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from tests.api.conftest import PASSWORD, RegisteredApp, bearer, password_token, register_app
from tests.helpers import csrf_from, make_user, post_form
from tests.openapi import validate

CALLBACK = "https://client.test/callback"
VERIFIER = "a" * 20 + "-._~" + "Z9" * 12          # 48 characters of the allowed alphabet


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_query(app: RegisteredApp, **extra: str) -> str:
    params = {"client_id": app.client_id, "redirect_uri": CALLBACK, "response_type": "code",
              "scope": "read write", "state": "xyz"}
    params.update(extra)
    return "/oauth/authorize?" + urlencode(params)


async def signed_in(api: Any, db: Database, config: Config, clock: FrozenClock,
                    name: str = "ada") -> None:
    await make_user(db, config, clock, name, password=PASSWORD)
    resp = await post_form(api, "/auth/sign_in", {"login": name, "password": PASSWORD})
    assert resp.status == 303


async def consent(api: Any, path: str, decision: str = "authorize") -> Any:
    page = await api.get(path, allow_redirects=False)
    assert page.status == 200, await page.text()
    html = await page.text()
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html))
    fields["decision"] = decision
    fields["csrf_token"] = csrf_from(html)
    return await api.post("/oauth/authorize", data=fields, allow_redirects=False)


def code_from(resp: Any) -> str:
    assert resp.status == 302, resp.status
    query = parse_qs(urlsplit(resp.headers["Location"]).query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


async def exchange(api: Any, app: RegisteredApp, code: str, **extra: str) -> Any:
    data = {"grant_type": "authorization_code", "client_id": app.client_id,
            "client_secret": app.client_secret, "code": code, "redirect_uri": CALLBACK}
    data.update(extra)
    return await api.post("/oauth/token", data=data)


async def test_registering_an_app_returns_a_credential_application(api: Any) -> None:
    app = await register_app(api, redirect_uris=f"{CALLBACK}\nurn:ietf:wg:oauth:2.0:oob",
                             scopes="read write:statuses")
    validate(app.entity, "CredentialApplication")
    assert app.entity["redirect_uris"] == [CALLBACK, "urn:ietf:wg:oauth:2.0:oob"]
    assert app.entity["scopes"] == ["read", "write:statuses"]
    assert app.entity["client_secret_expires_at"] == 0


async def test_registration_accepts_json_with_an_array_of_redirect_uris(api: Any) -> None:
    resp = await api.post("/api/v1/apps", json={"client_name": "J", "redirect_uris": [CALLBACK],
                                                "website": "https://client.test/"})
    assert resp.status == 200
    body = await resp.json()
    assert body["redirect_uris"] == [CALLBACK] and body["scopes"] == ["read"]
    assert body["website"] == "https://client.test/"


@pytest.mark.parametrize(("data", "field"), [
    ({"redirect_uris": CALLBACK}, "Name"),
    ({"client_name": "x" * 61, "redirect_uris": CALLBACK}, "Name"),
    ({"client_name": "A"}, "Redirect URI"),
    ({"client_name": "A", "redirect_uris": "javascript:alert(1)"}, "Redirect URI"),
    ({"client_name": "A", "redirect_uris": "https://client.test/#frag"}, "Redirect URI"),
    ({"client_name": "A", "redirect_uris": CALLBACK, "scopes": "read everything"}, "Scopes"),
    ({"client_name": "A", "redirect_uris": CALLBACK, "website": "ftp://x"}, "Website"),
])
async def test_bad_registrations_are_refused_naming_the_field(
        api: Any, db: Database, data: dict[str, str], field: str) -> None:
    resp = await api.post("/api/v1/apps", data=data)
    assert resp.status == 422
    body = await resp.json()
    assert field in body["error"]
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM oauth_applications") == 0


async def test_authorization_code_with_pkce_through_the_pages(
        api: Any, db: Database, api_config: Config, clock: FrozenClock) -> None:
    app = await register_app(api, redirect_uris=CALLBACK)
    path = authorize_query(app, code_challenge=s256(VERIFIER), code_challenge_method="S256")
    # Not signed in: the sign-in page comes first and leads back here.
    first = await api.get(path, allow_redirects=False)
    assert first.status == 302
    sign_in_url = first.headers["Location"]
    assert sign_in_url.startswith("/auth/sign_in?")
    back = parse_qs(urlsplit(sign_in_url).query)["next"][0]
    await make_user(db, api_config, clock, "ada", password=PASSWORD)
    form_page = await (await api.get(sign_in_url)).text()
    signed = await api.post("/auth/sign_in", allow_redirects=False, data={
        "login": "ada", "password": PASSWORD, "next": back, "csrf_token": csrf_from(form_page)})
    assert signed.status == 303
    location = urlsplit(signed.headers["Location"])
    assert location.path == "/oauth/authorize"
    assert parse_qs(location.query) == parse_qs(urlsplit(back).query)
    page = await (await api.get(back)).text()
    assert "Authorize Test client?" in page and "write" in page
    code = code_from(await consent(api, back))
    resp = await exchange(api, app, code, code_verifier=VERIFIER)
    assert resp.status == 200, await resp.text()
    token = await resp.json()
    validate(token, "Token")
    assert token["token_type"] == "Bearer" and token["scope"] == "read write"
    me = await api.get("/api/v1/accounts/verify_credentials", headers=bearer(token["access_token"]))
    assert me.status == 200 and (await me.json())["username"] == "ada"


async def test_a_reused_code_is_refused_and_revokes_its_token(
        api: Any, db: Database, api_config: Config, clock: FrozenClock) -> None:
    app = await register_app(api, redirect_uris=CALLBACK)
    await signed_in(api, db, api_config, clock)
    code = code_from(await consent(api, authorize_query(app)))
    first = await exchange(api, app, code)
    assert first.status == 200
    token = (await first.json())["access_token"]
    again = await exchange(api, app, code)
    assert again.status == 400 and (await again.json())["error"] == "invalid_grant"
    resp = await api.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert resp.status == 401


async def test_a_wrong_verifier_is_refused_and_spends_the_code(
        api: Any, db: Database, api_config: Config, clock: FrozenClock) -> None:
    app = await register_app(api, redirect_uris=CALLBACK)
    await signed_in(api, db, api_config, clock)
    code = code_from(await consent(api, authorize_query(
        app, code_challenge=s256(VERIFIER), code_challenge_method="S256")))
    wrong = await exchange(api, app, code, code_verifier="b" * 43)
    assert wrong.status == 400 and (await wrong.json())["error"] == "invalid_grant"
    missing = await exchange(api, app, code)
    assert missing.status == 400
    right_too_late = await exchange(api, app, code, code_verifier=VERIFIER)
    assert right_too_late.status == 400


async def test_plain_pkce_is_accepted(api: Any, db: Database, api_config: Config,
                                      clock: FrozenClock) -> None:
    app = await register_app(api, redirect_uris=CALLBACK)
    await signed_in(api, db, api_config, clock)
    code = code_from(await consent(api, authorize_query(app, code_challenge=VERIFIER,
                                                        code_challenge_method="plain")))
    assert (await exchange(api, app, code, code_verifier=VERIFIER)).status == 200


async def test_an_expired_code_is_refused(api: Any, db: Database, api_config: Config,
                                          clock: FrozenClock) -> None:
    app = await register_app(api, redirect_uris=CALLBACK)
    await signed_in(api, db, api_config, clock)
    code = code_from(await consent(api, authorize_query(app)))
    clock.advance(timedelta(minutes=10, seconds=1))
    resp = await exchange(api, app, code)
    assert resp.status == 400 and (await resp.json())["error"] == "invalid_grant"


async def test_a_code_for_another_redirect_uri_or_client_is_refused(
        api: Any, db: Database, api_config: Config, clock: FrozenClock) -> None:
    app = await register_app(api, redirect_uris=CALLBACK)
    other = await register_app(api, redirect_uris=CALLBACK, name="Other")
    await signed_in(api, db, api_config, clock)
    code = code_from(await consent(api, authorize_query(app)))
    assert (await exchange(api, other, code)).status == 400
    code = code_from(await consent(api, authorize_query(app)))
    assert (await exchange(api, app, code, redirect_uri="https://client.test/else")).status == 400


async def test_oob_shows_the_code_to_copy(api: Any, db: Database, api_config: Config,
                                          clock: FrozenClock) -> None:
    app = await register_app(api)
    await signed_in(api, db, api_config, clock)
    path = authorize_query(app, redirect_uri="urn:ietf:wg:oauth:2.0:oob")
    resp = await consent(api, path)
    assert resp.status == 200
    code = re.search(r'readonly value="([^"]+)"', await resp.text()).group(1)  # type: ignore[union-attr]
    token = await api.post("/oauth/token", json={
        "grant_type": "authorization_code", "client_id": app.client_id,
        "client_secret": app.client_secret, "code": code,
        "redirect_uri": "urn:ietf:wg:oauth:2.0:oob"})
    assert token.status == 200


async def test_consent_once_given_is_not_asked_again(
        api: Any, db: Database, api_config: Config, clock: FrozenClock) -> None:
    app = await register_app(api, redirect_uris=CALLBACK)
    await signed_in(api, db, api_config, clock)
    code = code_from(await consent(api, authorize_query(app)))
    assert (await exchange(api, app, code)).status == 200
    again = await api.get(authorize_query(app), allow_redirects=False)
    assert code_from(again)


async def test_denying_sends_access_denied_with_the_state(
        api: Any, db: Database, api_config: Config, clock: FrozenClock) -> None:
    app = await register_app(api, redirect_uris=CALLBACK)
    await signed_in(api, db, api_config, clock)
    resp = await consent(api, authorize_query(app), decision="deny")
    assert resp.status == 302
    query = parse_qs(urlsplit(resp.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["xyz"]
    assert "code" not in query


async def test_the_consent_form_needs_its_csrf_token(
        api: Any, db: Database, api_config: Config, clock: FrozenClock) -> None:
    app = await register_app(api, redirect_uris=CALLBACK)
    await signed_in(api, db, api_config, clock)
    resp = await api.post("/oauth/authorize", allow_redirects=False, data={
        "client_id": app.client_id, "redirect_uri": CALLBACK, "response_type": "code",
        "scope": "read", "decision": "authorize"})
    assert resp.status == 403
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM oauth_authorization_codes") == 0


async def test_invalid_scope_is_reported_to_the_client_or_on_the_page(
        api: Any, db: Database, api_config: Config, clock: FrozenClock) -> None:
    app = await register_app(api, redirect_uris=f"{CALLBACK} urn:ietf:wg:oauth:2.0:oob",
                             scopes="read")
    await signed_in(api, db, api_config, clock)
    resp = await api.get(authorize_query(app, scope="read write"), allow_redirects=False)
    assert resp.status == 302
    assert parse_qs(urlsplit(resp.headers["Location"]).query)["error"] == ["invalid_scope"]
    page = await api.get(authorize_query(app, scope="read nonsense",
                                         redirect_uri="urn:ietf:wg:oauth:2.0:oob"))
    assert page.status == 400 and "invalid_scope" in await page.text()


async def test_unknown_client_or_redirect_uri_gets_a_page_not_a_redirect(api: Any) -> None:
    app = await register_app(api, redirect_uris=CALLBACK)
    resp = await api.get(authorize_query(app, client_id="nope"), allow_redirects=False)
    assert resp.status == 400 and "unknown" in await resp.text()
    resp = await api.get(authorize_query(app, redirect_uri="https://evil.test/"),
                         allow_redirects=False)
    assert resp.status == 400 and "Location" not in resp.headers


async def test_force_login_signs_out_and_asks_again(
        api: Any, db: Database, api_config: Config, clock: FrozenClock) -> None:
    app = await register_app(api, redirect_uris=CALLBACK)
    await signed_in(api, db, api_config, clock)
    resp = await api.get(authorize_query(app, force_login="true"), allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"].startswith("/auth/sign_in?")
    assert "force_login" not in parse_qs(urlsplit(resp.headers["Location"]).query)["next"][0]
    assert (await api.get(authorize_query(app), allow_redirects=False)).headers[
        "Location"].startswith("/auth/sign_in?")


async def test_password_grant_with_username_or_email(
        api: Any, db: Database, api_config: Config, clock: FrozenClock) -> None:
    await make_user(db, api_config, clock, "ada", password=PASSWORD)
    app = await register_app(api)
    assert await password_token(api, app, "ada")
    assert await password_token(api, app, "ada@example.org", scope="read")


async def test_password_grant_failures(api: Any, db: Database, api_config: Config,
                                       clock: FrozenClock) -> None:
    await make_user(db, api_config, clock, "ada", password=PASSWORD)
    app = await register_app(api, scopes="read")
    base = {"grant_type": "password", "client_id": app.client_id,
            "client_secret": app.client_secret, "username": "ada"}
    wrong = await api.post("/oauth/token", data={**base, "password": "not it at all"})
    assert wrong.status == 400 and (await wrong.json())["error"] == "invalid_grant"
    scope = await api.post("/oauth/token", data={**base, "password": PASSWORD, "scope": "write"})
    assert scope.status == 400 and (await scope.json())["error"] == "invalid_scope"
    secret = await api.post("/oauth/token", data={**base, "password": PASSWORD,
                                                  "client_secret": "guess"})
    assert secret.status == 401 and (await secret.json())["error"] == "invalid_client"
    grant = await api.post("/oauth/token", data={**base, "grant_type": "implicit"})
    assert (await grant.json())["error"] == "unsupported_grant_type"


async def test_pending_users_get_no_token(api: Any, db: Database, api_config: Config,
                                          clock: FrozenClock) -> None:
    await make_user(db, api_config, clock, "cy", password=PASSWORD, approved=False)
    app = await register_app(api)
    resp = await api.post("/oauth/token", data={
        "grant_type": "password", "client_id": app.client_id, "client_secret": app.client_secret,
        "username": "cy", "password": PASSWORD, "scope": "read"})
    assert resp.status == 400 and "approval" in (await resp.json())["error_description"]


async def test_client_credentials_and_basic_client_authentication(api: Any) -> None:
    app = await register_app(api, scopes="read write")
    basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    resp = await api.post("/oauth/token", data={"grant_type": "client_credentials"},
                          headers={"Authorization": f"Basic {basic}"})
    assert resp.status == 200
    token = await resp.json()
    assert token["scope"] == "read"
    headers = bearer(token["access_token"])
    verify = await api.get("/api/v1/apps/verify_credentials", headers=headers)
    assert verify.status == 200
    validate(await verify.json(), "Application")
    me = await api.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert me.status == 422
    assert await me.json() == {"error": "This method requires an authenticated user"}
    bad = await api.post("/oauth/token", data={"grant_type": "client_credentials",
                                               "client_id": app.client_id,
                                               "client_secret": app.client_secret,
                                               "scope": "admin:read"})
    assert bad.status == 400 and (await bad.json())["error"] == "invalid_scope"


async def test_revoking_a_token(api: Any, db: Database, api_config: Config,
                                clock: FrozenClock) -> None:
    await make_user(db, api_config, clock, "ada", password=PASSWORD)
    app = await register_app(api)
    token = await password_token(api, app, "ada")
    other = await register_app(api, name="Other")
    refused = await api.post("/oauth/revoke", data={"client_id": other.client_id,
                                                    "client_secret": other.client_secret,
                                                    "token": token})
    assert refused.status == 403
    wrong_secret = await api.post("/oauth/revoke", data={"client_id": app.client_id,
                                                         "client_secret": "nope", "token": token})
    assert wrong_secret.status == 403
    verify = await api.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert verify.status == 200
    resp = await api.post("/oauth/revoke", data={"client_id": app.client_id,
                                                 "client_secret": app.client_secret,
                                                 "token": token})
    assert resp.status == 200 and await resp.json() == {}
    gone = await api.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert gone.status == 401
    unknown = await api.post("/oauth/revoke", data={"client_id": app.client_id,
                                                    "client_secret": app.client_secret,
                                                    "token": "never-issued"})
    assert unknown.status == 200


async def test_secrets_codes_and_tokens_are_stored_hashed(
        api: Any, db: Database, api_config: Config, clock: FrozenClock) -> None:
    await make_user(db, api_config, clock, "ada", password=PASSWORD)
    app = await register_app(api)
    token = await password_token(api, app, "ada")
    async with db.acquire() as conn:
        dump = " ".join(str(r) for r in await conn.fetch(
            "SELECT * FROM oauth_access_tokens t JOIN oauth_applications a "
            "ON a.id = t.application_id"))
    assert token not in dump and app.client_secret not in dump
    stored = hashlib.sha256(token.encode()).digest()
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM oauth_access_tokens WHERE token_hash = $1",
                                   stored) == 1


async def test_authorization_server_metadata(api: Any) -> None:
    resp = await api.get("/.well-known/oauth-authorization-server")
    assert resp.status == 200
    body = await resp.json()
    validate(body, "DiscoverOauthServerConfigurationResponse")
    assert body["token_endpoint"] == "http://ch.test/oauth/token"
    assert "S256" in body["code_challenge_methods_supported"]
    assert "password" in body["grant_types_supported"]
    assert "read:statuses" in body["scopes_supported"]


async def test_userinfo_needs_the_profile_scope(api: Any, member: Any) -> None:
    ada = await member("ada", scope="profile")
    resp = await api.get("/oauth/userinfo", headers=ada.headers)
    assert resp.status == 200
    info = await resp.json()
    assert info["preferred_username"] == "ada" and info["sub"] == "http://ch.test/users/ada"
    bea = await member("bea", scope="read")
    assert (await api.get("/oauth/userinfo", headers=bea.headers)).status == 403
