"""Reading and posting in a real browser with JavaScript off: post from /home, reply from a
status page, favourite and boost, follow from a profile, content warnings collapsed, and a
followers-only post kept from readers signed out. One live server for the whole module."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from server.jobs.context import JobContext
from server.jobs.registry import job_handlers
from server.jobs.worker import Worker
from server.statuses import service
from server.statuses.compose import Draft
from tests.browser.conftest import CHROMIUM, SKIP_REASON, LiveServer, at_widths
from tests.helpers import make_account

if not CHROMIUM.exists():  # the reason is printed in the summary (addopts has -ra)
    pytest.skip(SKIP_REASON, allow_module_level=True)

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture
def live_server(server: LiveServer) -> LiveServer:
    return server


def _member(server: LiveServer, username: str) -> Any:
    assert server.db is not None and server.config is not None
    return server.run(make_account(server.db, server.config, server.clock, username,
                                   password=PASSWORD))


def _run_jobs(server: LiveServer) -> None:
    """Home feeds are filled by jobs; the live server runs no workers of its own."""
    assert server.db is not None and server.config is not None
    ctx = JobContext(db=server.db, clock=server.clock, config=server.config, http=None)
    server.run(Worker(ctx, job_handlers()).run_until_idle())


def _post_as(server: LiveServer, author: Any, text: str, **draft: Any) -> None:
    assert server.db is not None and server.config is not None

    async def post() -> None:
        async with server.db.transaction() as conn:   # type: ignore[union-attr]
            await service.create_status(conn, config=server.config, author=author,
                                        draft=Draft(text=text, **draft), now=server.clock.now())
    server.run(post())
    _run_jobs(server)


def _sign_in(page: Page, login: str) -> None:
    page.goto("/auth/sign_in")
    page.get_by_label("Username or email").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_post_reply_favourite_and_boost(page: Page, server: LiveServer) -> None:
    _member(server, "ada")
    _sign_in(page, "ada")
    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    page.get_by_label("Post text").fill("Hello from the web #firstpost")
    page.get_by_label("Who can see it").select_option("public")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Your post is published.")
    _run_jobs(server)
    page.reload()
    post = page.locator("article.status").filter(has_text="Hello from the web")
    expect(post).to_be_visible()
    at_widths(page, "social-home")

    post.locator("time").click()   # the time links to the status page
    expect(page.get_by_label("Post text")).to_have_value("")   # one's own post: no mention
    page.get_by_label("Post text").fill("and a reply")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator("article.status")).to_have_count(2)
    expect(page.get_by_role("heading", name="Replies")).to_be_visible()

    root = page.locator("article.status.focus")
    root.get_by_role("button", name="Favourite").click()
    root = page.locator("article.status.focus")
    expect(root).to_contain_text("1 favourite")
    root.get_by_role("button", name="Boost").click()
    root = page.locator("article.status.focus")
    expect(root).to_contain_text("1 boost")
    expect(root.get_by_role("button", name="Unfavourite")).to_have_attribute("aria-pressed", "true")
    at_widths(page, "social-status")


def test_follow_from_a_profile_and_read_their_next_post_at_home(page: Page,
                                                                server: LiveServer) -> None:
    bea = _member(server, "bea")
    _member(server, "cal")
    _sign_in(page, "cal")
    page.goto("/@bea")
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()
    _post_as(server, bea, "Only my followers read this", visibility="private")
    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    expect(page.locator("article.status")).to_contain_text("Only my followers read this")


def test_cw_is_collapsed_and_followers_only_hidden_signed_out(page: Page,
                                                             server: LiveServer) -> None:
    dan = _member(server, "dan")
    _post_as(server, dan, "The butler did it", spoiler_text="Mystery ending")
    _post_as(server, dan, "Friends only news", visibility="private")
    page.goto("/@dan")
    summary = page.get_by_text("Content warning: Mystery ending")
    expect(summary).to_be_visible()
    expect(page.get_by_text("The butler did it")).to_be_hidden()
    summary.click()
    expect(page.get_by_text("The butler did it")).to_be_visible()
    expect(page.get_by_text("Friends only news")).to_have_count(0)
    page.goto("/public/local")
    expect(page.get_by_text("Content warning: Mystery ending")).to_be_visible()
    expect(page.get_by_text("Friends only news")).to_have_count(0)


def test_a_list_made_and_read_in_the_browser(page: Page, server: LiveServer) -> None:
    lou = _member(server, "lou")
    _member(server, "lia")
    _sign_in(page, "lia")
    page.goto("/@lou")
    page.get_by_role("button", name="Follow").click()
    page.get_by_role("navigation").get_by_role("link", name="Lists").click()
    page.get_by_label("Title").fill("Garden club")
    page.get_by_role("button", name="Make the list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Garden club")
    page.get_by_role("link", name="Edit list").click()
    page.get_by_label("Add an account you follow").fill("@lou")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Added to the list.")
    expect(page.get_by_role("button", name="Remove @lou from the list")).to_be_visible()
    _post_as(server, lou, "Tomatoes are in")
    page.get_by_role("link", name="Posts").click()
    expect(page.locator("article.status").filter(has_text="Tomatoes are in")).to_be_visible()
    # The site navigation fits the page at a desktop and at phone widths.
    at_widths(page, "social-list")


def test_quote_a_post_and_see_it_quoted(page: Page, server: LiveServer) -> None:
    quinn = _member(server, "quinn")
    _member(server, "rosa")
    _post_as(server, quinn, "Benches at every bus stop")
    _sign_in(page, "rosa")
    page.goto("/@quinn")
    post = page.locator("article.status").filter(has_text="Benches at every bus stop")
    post.get_by_role("link", name="Quote").click()
    expect(page.get_by_role("heading", name="Quote this post")).to_be_visible()
    page.get_by_label("Post text").fill("Yes please")
    page.get_by_role("button", name="Post", exact=True).click()
    page.goto("/@rosa")
    mine = page.locator("article.status").filter(has_text="Yes please")
    quoted = mine.get_by_role("complementary", name="Quoted post")
    expect(quoted).to_contain_text("Benches at every bus stop")
    expect(quoted.get_by_role("link", name="quinn")).to_be_visible()
    at_widths(page, "social-quote")
