"""Fixtures for driving the pages with a real headless Chromium (Debian's, never a downloaded
one): one browser per test session, a fresh context (no cookies) per test, and the app on a
real TCP socket at 127.0.0.1 in a thread with its own event loop, over a fresh database."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

import pytest
from aiohttp import web

from server.app import create_app
from server.clock import SystemClock
from server.config import Config
from server.db import Database
from tests.conftest import PostgresForTests, make_config

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SKIP_REASON = (f"browser tests need Chromium at {CHROMIUM} "
               "(on Debian or Ubuntu: apt-get install chromium)")
T = TypeVar("T")


class LiveServer:
    """create_app over a fresh database, served on 127.0.0.1:<free port> from a thread."""

    def __init__(self, postgres: PostgresForTests) -> None:
        self.postgres = postgres
        self.url = ""
        self.config: Config | None = None
        self.db: Database | None = None
        self.clock = SystemClock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: Exception | None = None
        self._thread = threading.Thread(target=self._run, name="live-server", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(60) or self._failure is not None:
            raise RuntimeError("the live server did not start") from self._failure
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop (where its database pool lives)."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(60)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:  # noqa: BLE001 - handed to the test thread, which re-raises it
            self._failure = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        dsn = await self.postgres.create_database()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.config = make_config(base_url=self.url)
        self.db = await Database.connect(dsn, min_size=1, max_size=5)
        runner = web.AppRunner(create_app(self.config, db=self.db, clock=self.clock),
                               access_log=None)
        try:
            await runner.setup()
            await web.SockSite(runner, sock).start()
            self._ready.set()
            await self._stop.wait()
        finally:
            await runner.cleanup()
            await self.db.close()
            await self.postgres.drop_database(dsn)


@pytest.fixture(scope="module")
def browser(postgres: PostgresForTests) -> Iterator[Browser]:
    """One Chromium per test module.

    While Playwright's sync API is active, its event loop counts as running in this thread,
    so nothing here may call asyncio.run() meanwhile: the session's PostgreSQL (which does)
    is set up first, the live server runs its loop in a thread of its own, and the browser
    is closed at the end of the module, before any async test elsewhere runs."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(postgres: PostgresForTests) -> Iterator[LiveServer]:
    with LiveServer(postgres) as server:
        yield server


@pytest.fixture(scope="module")
def server(postgres: PostgresForTests) -> Iterator[LiveServer]:
    """One live server for a whole module, for modules whose tests keep to accounts of their
    own: such a module names it as its live_server (see test_social_pages.py)."""
    with LiveServer(postgres) as live:
        yield live


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A page in a fresh context with JavaScript switched off: every page must work without."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def scripted_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A page with JavaScript on, for tests that tamper with a form the way an attacker would."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def screenshot(page: Page, name: str) -> None:
    """Saved only when COMMONHOLD_SCREENSHOTS names a directory (to look at the pages)."""
    directory = os.environ.get("COMMONHOLD_SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)


def at_widths(page: Page, name: str, widths: tuple[int, ...] = (1280, 360, 320)) -> None:
    """The page at a desktop, a phone and the narrowest phone width: nothing runs off the side
    at any of them (the page is no wider than the window), with a screenshot of each when
    screenshots are asked for; the window is 1280 wide again afterwards."""
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
        screenshot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})
