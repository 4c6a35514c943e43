"""Members' first steps in a real browser with JavaScript off: sign up, sign in, sign out,
change the password; and a form that lost its CSRF token gets a readable refusal."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHROMIUM, SKIP_REASON, LiveServer, screenshot
from tests.helpers import make_user

if not CHROMIUM.exists():  # the reason is printed in the summary (addopts has -ra)
    pytest.skip(SKIP_REASON, allow_module_level=True)

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def _sign_in(page: Page, login: str, password: str) -> None:
    page.goto("/auth/sign_in")
    page.get_by_label("Username or email").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _add_member(server: LiveServer, username: str = "ada") -> None:
    assert server.db is not None and server.config is not None
    server.run(make_user(server.db, server.config, server.clock, username, password=PASSWORD))


def test_sign_up_welcomes_the_new_member_signed_in(page: Page) -> None:
    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page).to_have_url("/?notice=welcome")
    expect(page.get_by_role("status")).to_have_text("Welcome! Your account is ready.")
    expect(page.get_by_text("Signed in as")).to_contain_text("@ada@")
    screenshot(page, "welcome")


def test_sign_up_mistake_is_explained_and_the_form_kept(page: Page) -> None:
    page.goto("/auth/sign_up")
    page.get_by_label("Username").fill("ada lovelace")
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("alert")).to_contain_text("only letters, digits and underscores")
    expect(page.get_by_label("Email")).to_have_value("ada@example.org")
    screenshot(page, "sign-up-error")


def test_sign_in_and_sign_out(page: Page, live_server: LiveServer) -> None:
    _add_member(live_server)
    _sign_in(page, "ada", "not the password")
    expect(page.get_by_role("alert")).to_have_text("Invalid username, email or password.")

    _sign_in(page, "ada@example.org", PASSWORD)
    expect(page.get_by_text("Signed in as")).to_contain_text("@ada@")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    expect(page.get_by_role("navigation").get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)


def test_change_password_then_only_the_new_one_works(page: Page,
                                                     live_server: LiveServer) -> None:
    _add_member(live_server)
    _sign_in(page, "ada", PASSWORD)
    page.get_by_role("link", name="Password").click()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("a brand new secret")
    page.get_by_label("Confirm new password").fill("a brand new secret")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_have_text("Your password has been changed.")
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, "ada", PASSWORD)
    expect(page.get_by_role("alert")).to_have_text("Invalid username, email or password.")
    _sign_in(page, "ada", "a brand new secret")
    expect(page.get_by_text("Signed in as")).to_contain_text("@ada@")


def test_form_without_its_csrf_token_gets_a_readable_403(scripted_page: Page,
                                                         live_server: LiveServer) -> None:
    page = scripted_page
    _add_member(live_server)
    page.goto("/auth/sign_in")
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    page.get_by_label("Username or email").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Sign in").click()

    assert posted.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("That didn't work")
    expect(page.get_by_role("alert")).to_contain_text("did not come from this site")
    expect(page.get_by_role("link", name="Back to the start page")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    screenshot(page, "csrf-403")
