"""Sign-up, sign-in, sign-out and password change through the pages, in each registrations
mode, with CSRF and login throttling."""

from __future__ import annotations

from typing import Any

import pytest

from server.accounts import queries
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.web.forms import local_path
from tests.helpers import get_form_token, make_user, post_form, sign_in

SIGNUP = {"username": "ada", "email": "ada@example.org", "password": "correct horse battery",
          "password_confirmation": "correct horse battery"}


async def _signed_in_as(client: Any) -> str | None:
    page = await (await client.get("/")).text()
    if "Signed in as" not in page:
        return None
    return page.split("Signed in as <strong>@", 1)[1].split("@", 1)[0]


async def test_open_sign_up_creates_account_and_signs_in(client: Any, db: Database) -> None:
    resp = await post_form(client, "/auth/sign_up", SIGNUP)
    assert resp.status == 303 and resp.headers["Location"] == "/?notice=welcome"
    cookie = resp.cookies["ch_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert await _signed_in_as(client) == "ada"
    async with db.acquire() as conn:
        user = await queries.get_local_user_by_username(conn, username="ADA")
    assert user and user.approved and user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("username", "ada lovelace", "only letters, digits and underscores"),
    ("username", "x" * 31, "at most 30 characters"),
    ("username", "admin", "reserved"),
    ("username", "", "Choose a username"),
    ("email", "not-an-address", "valid email"),
    ("password", "short", "at least 8 characters"),
])
async def test_invalid_sign_up_is_refused_with_a_readable_error(
        client: Any, db: Database, field: str, value: str, message: str) -> None:
    data = {**SIGNUP, field: value}
    if field == "password":
        data["password_confirmation"] = value
    resp = await post_form(client, "/auth/sign_up", data)
    assert resp.status == 422
    assert message in await resp.text()
    async with db.acquire() as conn:
        assert await queries.count_local_users(conn) == 0


async def test_duplicate_username_any_case_and_email_are_refused(client: Any, db: Database,
                                                                 config: Config,
                                                                 clock: FrozenClock) -> None:
    await make_user(db, config, clock, "ada")
    resp = await post_form(client, "/auth/sign_up", {**SIGNUP, "username": "ADA",
                                                     "email": "other@example.org"})
    assert resp.status == 409
    assert "already taken" in await resp.text()
    resp = await post_form(client, "/auth/sign_up", {**SIGNUP, "username": "bea"})
    assert resp.status == 409
    assert "email address is already in use" in await resp.text()


async def test_mismatched_confirmation_is_refused(client: Any) -> None:
    resp = await post_form(client, "/auth/sign_up", {**SIGNUP, "password_confirmation": "nope nope"})
    assert resp.status == 422
    assert "do not match" in await resp.text()


async def test_approval_mode_creates_a_pending_account_an_admin_approves(
        aiohttp_client: Any, app_factory: Any, db: Database, config: Config,
        clock: FrozenClock) -> None:
    app = app_factory(registrations="approval")
    applicant = await aiohttp_client(app)
    resp = await post_form(applicant, "/auth/sign_up", {**SIGNUP, "reason": "I run the choir"})
    assert resp.status == 200
    assert "awaiting approval" in await resp.text()
    resp = await sign_in(applicant, "ada")
    assert resp.status == 403 and "awaiting approval" in await resp.text()

    await make_user(db, config, clock, "root_admin", role="admin")
    admin = await aiohttp_client(app)
    assert (await sign_in(admin, "root_admin")).status == 303
    listing = await (await admin.get("/admin/accounts/pending")).text()
    assert "@ada" in listing and "I run the choir" in listing
    async with db.acquire() as conn:
        [pending] = await queries.list_pending_users(conn)
    resp = await post_form(admin, f"/admin/accounts/{pending.id}/approve", {},
                           token_from="/admin/accounts/pending")
    assert resp.status == 303
    assert (await sign_in(applicant, "ada")).status == 303
    assert await _signed_in_as(applicant) == "ada"


async def test_only_admins_approve(aiohttp_client: Any, app_factory: Any, db: Database,
                                   config: Config, clock: FrozenClock) -> None:
    client = await aiohttp_client(app_factory(registrations="approval"))
    await make_user(db, config, clock, "cy")
    await sign_in(client, "cy")
    assert (await client.get("/admin/accounts/pending")).status == 403


async def test_closed_mode_refuses_sign_up(aiohttp_client: Any, app_factory: Any,
                                          db: Database) -> None:
    client = await aiohttp_client(app_factory(registrations="closed"))
    page = await (await client.get("/auth/sign_up")).text()
    assert "Registrations are closed" in page
    token = await get_form_token(client, "/auth/sign_in")
    resp = await client.post("/auth/sign_up", data={**SIGNUP, "csrf_token": token},
                             allow_redirects=False)
    assert resp.status == 403
    assert "Registrations are closed" in await resp.text()
    async with db.acquire() as conn:
        assert await queries.count_local_users(conn) == 0


async def test_sign_in_with_username_or_email_and_sign_out(client: Any, db: Database,
                                                           config: Config,
                                                           clock: FrozenClock) -> None:
    await make_user(db, config, clock, "ada")
    resp = await sign_in(client, "ada@example.org")
    assert resp.status == 303
    assert await _signed_in_as(client) == "ada"
    resp = await post_form(client, "/auth/sign_out", {}, token_from="/")
    assert resp.status == 303
    assert await _signed_in_as(client) is None


async def test_wrong_password_is_refused_without_saying_which_part(client: Any, db: Database,
                                                                   config: Config,
                                                                   clock: FrozenClock) -> None:
    await make_user(db, config, clock, "ada")
    wrong = await sign_in(client, "ada", "not the password")
    nobody = await sign_in(client, "nobody", "not the password")
    assert wrong.status == nobody.status == 403
    assert "Invalid username, email or password" in await wrong.text()
    assert "Invalid username, email or password" in await nobody.text()


async def test_change_password_then_old_one_no_longer_works(client: Any, db: Database,
                                                            config: Config,
                                                            clock: FrozenClock) -> None:
    await make_user(db, config, clock, "ada")
    await sign_in(client, "ada")
    resp = await post_form(client, "/settings/password", {
        "current_password": "wrong one!", "password": "new password 1",
        "password_confirmation": "new password 1"})
    assert resp.status == 403 and "current password is not correct" in await resp.text()
    resp = await post_form(client, "/settings/password", {
        "current_password": "correct horse battery", "password": "new password 1",
        "password_confirmation": "new password 1"})
    assert resp.status == 303
    await post_form(client, "/auth/sign_out", {}, token_from="/")
    assert (await sign_in(client, "ada")).status == 403
    assert (await sign_in(client, "ada", "new password 1")).status == 303


async def test_change_password_ends_other_sessions(aiohttp_client: Any, app_factory: Any,
                                                   db: Database, config: Config,
                                                   clock: FrozenClock) -> None:
    app = app_factory()
    laptop, phone = await aiohttp_client(app), await aiohttp_client(app)
    await make_user(db, config, clock, "ada")
    await sign_in(laptop, "ada")
    await sign_in(phone, "ada")
    await post_form(laptop, "/settings/password", {
        "current_password": "correct horse battery", "password": "new password 1",
        "password_confirmation": "new password 1"})
    assert await _signed_in_as(laptop) == "ada"
    assert await _signed_in_as(phone) is None


@pytest.mark.parametrize("path", ["/auth/sign_in", "/auth/sign_up", "/auth/sign_out",
                                  "/settings/password"])
async def test_form_without_csrf_token_is_rejected(client: Any, path: str) -> None:
    await client.get("/")  # has the CSRF cookie, but sends no token
    resp = await client.post(path, data={"login": "ada", "password": "x", **SIGNUP},
                             allow_redirects=False)
    assert resp.status == 403
    assert "did not come from this site" in await resp.text()


async def test_form_with_token_from_another_browser_is_rejected(aiohttp_client: Any,
                                                                app_factory: Any) -> None:
    app = app_factory()
    attacker, victim = await aiohttp_client(app), await aiohttp_client(app)
    stolen = await get_form_token(attacker, "/auth/sign_up")
    await victim.get("/")
    resp = await victim.post("/auth/sign_up", data={**SIGNUP, "csrf_token": stolen})
    assert resp.status == 403


async def test_failed_logins_for_one_account_are_throttled(client: Any, db: Database,
                                                           config: Config,
                                                           clock: FrozenClock) -> None:
    await make_user(db, config, clock, "ada")
    for _ in range(10):
        assert (await sign_in(client, "ada", "guessing...")).status == 403
    resp = await sign_in(client, "ada")         # even the right password waits now
    assert resp.status == 429
    assert int(resp.headers["Retry-After"]) > 0
    assert "Too many failed sign-in attempts" in await resp.text()
    clock.advance(__import__("datetime").timedelta(minutes=16))
    assert (await sign_in(client, "ada")).status == 303


async def test_sign_in_attempts_per_ip_are_throttled(client: Any, db: Database, config: Config,
                                                     clock: FrozenClock) -> None:
    await make_user(db, config, clock, "ada")
    statuses = [(await sign_in(client, f"user{i}", "guess")).status for i in range(26)]
    assert statuses[:25] == [403] * 25
    assert statuses[25] == 429


@pytest.mark.parametrize(("target", "expected"), [
    ("/settings/password", "/settings/password"),
    ("/?page=2", "/?page=2"),
    ("", "/"),
    ("settings", "/"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example/", "/"),        # browsers read a backslash as a slash: //evil.example
    ("/\t/evil.example/", "/"),       # and drop tabs and newlines from URLs
    ("/\r\nSet-Cookie: x=1", "/"),
    ("/\x7f", "/"),
])
def test_local_path_accepts_only_paths_of_this_site(target: str, expected: str) -> None:
    assert local_path(target) == expected


@pytest.mark.parametrize(("next_path", "location"), [
    ("/settings/password", "/settings/password"),
    ("/\\evil.example/", "/"),
    ("/\r\nSet-Cookie: x=1", "/"),
])
async def test_sign_in_goes_back_only_to_a_page_of_this_site(
        client: Any, db: Database, config: Config, clock: FrozenClock, next_path: str,
        location: str) -> None:
    await make_user(db, config, clock, "ada")
    resp = await post_form(client, "/auth/sign_in", {"login": "ada",
                                                      "password": "correct horse battery",
                                                      "next": next_path})
    assert resp.status == 303
    assert resp.headers["Location"] == location
