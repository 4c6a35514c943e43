"""The embedded PostgreSQL a newcomer gets when DATABASE_URL is not set (pgserver)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import warnings
from pathlib import Path
from urllib.parse import quote

import asyncpg
import psutil

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

    async def start(self) -> str:
        """Start (or join) the server and return the DSN of the application database."""
        with warnings.catch_warnings():
            # pgserver warns when XDG_RUNTIME_DIR is unset, which is normal on servers.
            warnings.simplefilter("ignore")
            import pgserver  # imported here: only the embedded path needs it

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(forget_dead_handles, self.pgdata)
        self._server = await asyncio.to_thread(pgserver.get_server, self.pgdata, cleanup_mode="stop")
        admin_dsn = self._server.get_uri()
        await _ensure_database(admin_dsn, DATABASE_NAME)
        return dsn_for(self.pgdata, DATABASE_NAME, admin_dsn)

    async def stop(self) -> None:
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
