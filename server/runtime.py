"""Starting and stopping the server's pieces in the right order: database (embedded or
not), migrations, web server, workers; and the reverse on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from aiohttp import web

from server import startup_times
from server.config import Config, ensure_secret_key
from server.db import Database
from server.db.embedded import EmbeddedPostgres
from server.db.migrate import apply_migrations
from server.errors import ConfigError

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 75.0


def settle_heap() -> None:
    """Once the app has started: collect what start-up left behind, then move everything
    still alive (modules, routes, templates, the pool) out of the collector's sight. A full
    collection otherwise walks those tens of thousands of objects each time (about once
    every 40 s while posting), stopping the event loop for 30 to 75 ms on a busy two-core
    machine, and a request that arrives meanwhile waits for it. Objects made later are
    collected as usual (the collector is turned back on here: `commonhold serve` keeps it
    off while it starts)."""
    gc.collect()
    gc.freeze()
    gc.enable()


@asynccontextmanager
async def open_database(config: Config, *, migrate: bool = True,
                        embedded: EmbeddedPostgres | None = None) -> AsyncIterator[Database]:
    """The configured database, or the embedded one started for the duration (`embedded`:
    one whose start may already be under way, see EmbeddedPostgres.start_soon)."""
    dsn = config.database_url
    if dsn:
        embedded = None
    else:
        embedded = embedded or EmbeddedPostgres(config.data_dir)
        dsn = await embedded.start()
        startup_times.mark("embedded database started")
    try:
        db = await Database.connect(dsn)
        startup_times.mark("pool connected")
        try:
            if migrate:
                async with db.acquire() as conn:
                    applied = await apply_migrations(conn)
                for name in applied:
                    log.info("applied migration %s", name)
                startup_times.mark("migrations checked")
            yield db
        finally:
            await db.close()
    finally:
        if embedded is not None:
            await embedded.stop()


async def serve(config: Config, *, web_server: bool = True, workers: bool = True,
                embedded: EmbeddedPostgres | None = None) -> None:
    from server.app import create_app

    startup_times.mark("app imported")
    config = ensure_secret_key(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with open_database(config, embedded=embedded) as db:
        job_workers = config.job_workers if workers else 0
        app = create_app(replace(config), db=db, job_workers=job_workers)
        startup_times.mark("app built")
        # Idle keep-alive connections close after 75 s (aiohttp keeps them an hour by default):
        # a burst of clients must not hold its buffers for the rest of the process's life.
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=20, access_log=None,
                               keepalive_timeout=KEEPALIVE_SECONDS)
        await runner.setup()
        startup_times.mark("app started (runner set up)")
        try:
            if web_server:
                site = web.TCPSite(runner, config.host, config.port, reuse_address=True)
                try:
                    await site.start()
                except OSError as exc:
                    reason = exc.strerror or str(exc)
                    raise ConfigError(f"cannot listen on {config.host}:{config.port} "
                                      f"({reason}); choose another --port or COMMONHOLD_PORT"
                                      ) from None
                startup_times.mark("listening")
                print(f"commonhold: serving {config.base_url} on http://{config.host}:{config.port}",
                      flush=True)
            else:
                print("commonhold: job worker running", flush=True)
            settle_heap()
            await stop.wait()
            print("commonhold: shutting down", flush=True)
        finally:
            await runner.cleanup()
