"""The second round of pages in a real browser with JavaScript off: a post with an image and
its alt text, voting in a poll, editing a post, searching for a member and editing one's
bio, and the names per-post controls give to a screen reader. One live server for all."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from server.statuses.compose import PollDraft
from tests.browser.conftest import CHROMIUM, SKIP_REASON, LiveServer, at_widths
from tests.browser.test_social_pages import _member, _post_as, _run_jobs, _sign_in

if not CHROMIUM.exists():  # the reason is printed in the summary (addopts has -ra)
    pytest.skip(SKIP_REASON, allow_module_level=True)

pytestmark = pytest.mark.browser
WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d"


@pytest.fixture
def live_server(server: LiveServer) -> LiveServer:
    return server


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), "#c0392b").save(out, format="PNG")
    return out.getvalue()


def test_post_an_image_with_alt_text_and_the_controls_names(page: Page,
                                                            server: LiveServer) -> None:
    _member(server, "ivy")
    _sign_in(page, "ivy")
    page.goto("/home")
    page.get_by_label("Post text").fill("First tomatoes of the year")
    page.get_by_text("Attach images (up to 4)").click()
    page.get_by_label("File (JPEG, PNG, GIF or WebP, at most 16 MB)").first.set_input_files(
        {"name": "tomatoes.png", "mimeType": "image/png", "buffer": _png()})
    page.get_by_label("Description for people who cannot see it (alt text)").first.fill(
        "Three red tomatoes on a vine")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Your post is published.")
    page.goto("/@ivy")
    expect(page.get_by_role("img", name="Three red tomatoes on a vine")).to_be_visible()
    # Every per-post control says what it does to which post.
    for action in ("Boost", "Favourite", "Bookmark"):
        expect(page.get_by_role("button", name=re.compile(
            rf"^{action} post by @ivy from {WHEN}$"))).to_have_count(1)
    for action in ("Reply to the", "Edit your", "Delete your"):
        expect(page.get_by_role("link", name=re.compile(
            rf"^{action} post by @ivy from {WHEN}$"))).to_have_count(1)
    _run_jobs(server)   # the home feed is filled by a job
    page.goto("/home")
    expect(page.get_by_role("img", name="Three red tomatoes on a vine")).to_be_visible()
    at_widths(page, "social-home-image")


def test_vote_in_a_poll_then_edit_a_post(page: Page, server: LiveServer) -> None:
    joe = _member(server, "joe")
    _member(server, "kim")
    _post_as(server, joe, "Which day for the work party?",
             poll=PollDraft(options=["Saturday", "Sunday"], expires_in=timedelta(days=1)))
    _sign_in(page, "kim")
    page.goto("/@joe")
    page.get_by_label("Sunday").check()
    vote = re.compile(rf"^Vote in the poll of the post by @joe from {WHEN}$")
    page.get_by_role("button", name=vote).click()
    post = page.locator("article.status").filter(has_text="Which day")
    expect(post).to_contain_text("Sunday: 1 vote (100%) · your choice")
    expect(post.get_by_role("radio")).to_have_count(0)

    _post_as(server, server.run(_account(server, "kim")), "Bring gloves an tools")
    page.goto("/@kim")
    page.get_by_role("link", name=re.compile(r"^Edit your post by @kim")).click()
    page.get_by_label("Post text").fill("Bring gloves and tools")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Your post was changed")
    page.get_by_role("link", name=re.compile(r"^edited ")).first.click()
    expect(page.get_by_role("heading", name="Edit history")).to_be_visible()
    expect(page.locator(".version").first).to_contain_text("Bring gloves and tools")
    expect(page.locator(".version").last).to_contain_text("Bring gloves an tools")


async def _account(server: LiveServer, username: str):  # type: ignore[no-untyped-def]
    from server.accounts import queries as accounts_q

    assert server.db is not None
    async with server.db.acquire() as conn:
        return await accounts_q.find_account_by_acct(conn, username=username, domain=None)


def test_search_a_member_and_edit_the_bio(page: Page, server: LiveServer) -> None:
    _member(server, "lou")
    _member(server, "mae")
    _sign_in(page, "lou")
    page.get_by_role("navigation").get_by_role("link", name="Search").click()
    page.get_by_label("Search for people, hashtags or posts").fill("mae")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("link", name=re.compile(r"@mae")).click()
    expect(page).to_have_url(re.compile(r"/@mae$"))

    page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    page.get_by_label("Bio").fill("Keeper of the seed library")
    page.get_by_label("Label 1").fill("Plot")
    page.get_by_label("Content 1").fill("number 7")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is saved")
    at_widths(page, "social-settings-profile")
    page.get_by_role("link", name="See your profile").click()
    expect(page.get_by_text("Keeper of the seed library")).to_be_visible()
    expect(page.get_by_text("number 7")).to_be_visible()
