"""The embedded PostgreSQL a newcomer gets when DATABASE_URL is not set (pgserver)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import warnings
from concurrent.futures import Future
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg

log = logging.getLogger(__name__)

DATABASE_NAME = "commonhold"
# pgserver keeps the pids of the processes using a server here, and stops the server when the
# last of them lets go.
HANDLES_FILE = ".handle_pids.json"


class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in `<data dir>/postgres` and which we stop on exit."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = (data_dir / "postgres").resolve()
        self._server = None
        self._booting: Future[Any] | None = None

    def start_soon(self) -> None:
        """Begin starting (or joining) the server in a thread of its own and return at once;
        `start` waits for it. `commonhold serve` calls this before it imports the
        application, so that PostgreSQL boots (pg_ctl waits for it in steps of 100 ms)
        while Python imports. The thread is not a daemon: a process that fails meanwhile
        waits for it on exit, and pgserver's exit handler then stops the server it started."""
        if self._booting is not None:
            return
        # Imported in the calling thread: catch_warnings is not thread-safe (and the import
        # holds the interpreter either way).
        with warnings.catch_warnings():
            # pgserver warns when XDG_RUNTIME_DIR is unset, which is normal on servers.
            warnings.simplefilter("ignore")
            import pgserver  # imported here: only the embedded path needs it
        booting: Future[Any] = Future()
        self._booting = booting

        def boot() -> None:
            try:
                booting.set_result(self._boot(pgserver))
            except BaseException as exc:   # handed to whoever waits in start()
                booting.set_exception(exc)

        threading.Thread(target=boot, name="embedded-postgres-start").start()

    def _boot(self, pgserver: Any) -> Any:
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        forget_dead_handles(self.pgdata)
        server = pgserver.get_server(self.pgdata, cleanup_mode="stop")
        try:
            # On a loop of this thread's own: the caller's loop may not be running yet.
            asyncio.run(_ensure_database(server.get_uri(), DATABASE_NAME))
        except BaseException:
            server.cleanup()
            raise
        return server

    async def start(self) -> str:
        """Start (or join) the server and return the DSN of the application database."""
        self.start_soon()
        assert self._booting is not None
        self._server = await asyncio.wrap_future(self._booting)
        return dsn_for(self.pgdata, DATABASE_NAME, self._server.get_uri())

    async def stop(self) -> None:
        self._booting = None   # a later start() starts (or joins) the server again
        if self._server is not None:
            server, self._server = self._server, None
            await asyncio.to_thread(server.cleanup)

    def postmaster_pid(self) -> int | None:
        pidfile = self.pgdata / "postmaster.pid"
        try:
            return int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None


def forget_dead_handles(pgdata: Path) -> None:
    """Drop the pids of processes that are gone from pgserver's list of users of the server.

    A process that was killed (SIGKILL, a crash, the OOM killer) never takes its pid off the
    list, and then the server would never count as unused again: every later clean stop would
    leave PostgreSQL running.
    """
    from pgserver.postgres_server import PostgresServer

    path = pgdata / HANDLES_FILE
    lock = getattr(PostgresServer, "_lock", None) or contextlib.nullcontext()
    with lock:
        try:
            pids = json.loads(path.read_text())
        except (OSError, ValueError):
            return
        if not isinstance(pids, list):
            return
        alive = [pid for pid in pids if isinstance(pid, int) and _is_running(pid)]
        if alive != pids:
            log.info("embedded postgres: forgetting exited users %s", sorted(set(pids) - set(alive)))
            path.write_text(json.dumps(alive))


def _is_running(pid: int) -> bool:
    import psutil  # pgserver's own dependency; imported where needed, in the start thread

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def dsn_for(pgdata: Path, database: str, admin_dsn: str) -> str:
    # pgserver listens on a unix socket only; its URI carries the socket directory as ?host=.
    host = admin_dsn.split("host=", 1)[1] if "host=" in admin_dsn else str(pgdata)
    return f"postgresql://postgres@/{quote(database)}?host={host}"


async def _ensure_database(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
