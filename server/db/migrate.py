"""Plain-SQL migrations: `migrations/NNNN_name.sql`, applied in order, each in its own
transaction, recorded with a checksum. An applied file that changed is refused."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from server.errors import ConfigError

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Any constant works; it only has to be the same for every process of every version.
_LOCK_KEY = 727_001


class MigrationError(ConfigError):
    code = "migration"


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str
    checksum: str


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migrations: {path.name} is not named NNNN_name.sql")
        sql = path.read_text(encoding="utf-8")
        found.append(Migration(match.group(1), path.name, sql, hashlib.sha256(sql.encode()).hexdigest()))
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise MigrationError("migrations: two files share a version number")
    return found


async def apply_migrations(conn: asyncpg.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply what is pending; return the names applied. Safe with several processes starting."""
    migrations = discover(directory)
    if await _all_applied(conn, migrations):
        return []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version text PRIMARY KEY,
                   name text NOT NULL,
                   checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT clock_timestamp())"""
        )
        applied = {r["version"]: r for r in await conn.fetch(
            "SELECT version, name, checksum FROM schema_migrations")}
        done: list[str] = []
        for m in migrations:
            row = applied.get(m.version)
            if row is not None:
                if row["checksum"] != m.checksum:
                    raise MigrationError(
                        f"migrations: {m.name} was changed after it was applied; "
                        "write a new migration instead of editing an applied one")
                continue
            try:
                async with conn.transaction():
                    await conn.execute(m.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                        m.version, m.name, m.checksum)
            except asyncpg.PostgresError as exc:
                raise MigrationError(f"migrations: {m.name} failed and was rolled back ({exc})") from None
            done.append(m.name)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)


async def _all_applied(conn: asyncpg.Connection, migrations: list[Migration]) -> bool:
    """Whether every migration is applied, unchanged: one query and no lock, which is what
    nearly every start finds (applied migrations are never taken back, so no other process
    can make this answer wrong meanwhile). Anything else takes the locked way above, which
    also words the errors."""
    try:
        rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
    except asyncpg.UndefinedTableError:
        return False
    applied = {r["version"]: r["checksum"] for r in rows}
    return all(applied.get(m.version) == m.checksum for m in migrations)
