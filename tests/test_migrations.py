"""Migrations apply in order to an empty database, are recorded with checksums, refuse an
edited file, and leave nothing half-applied when one fails."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import asyncpg
import pytest

from server.db.migrate import (
    _LOCK_KEY,
    MIGRATIONS_DIR,
    MigrationError,
    apply_migrations,
    discover,
)
from tests.conftest import PostgresForTests


@pytest.fixture
async def empty_db(postgres: PostgresForTests):  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(postgres.admin_dsn)
    await conn.execute('DROP DATABASE IF EXISTS "migration_test" WITH (FORCE)')
    await conn.execute('CREATE DATABASE "migration_test"')
    await conn.close()
    target = await asyncpg.connect(postgres.admin_dsn.replace("/postgres?", "/migration_test?"))
    yield target
    await target.close()
    conn = await asyncpg.connect(postgres.admin_dsn)
    await conn.execute('DROP DATABASE IF EXISTS "migration_test" WITH (FORCE)')
    await conn.close()


async def test_all_migrations_apply_to_an_empty_database(empty_db: asyncpg.Connection) -> None:
    applied = await apply_migrations(empty_db)
    assert applied == [m.name for m in discover()]
    assert len(applied) >= 2
    recorded = await empty_db.fetch("SELECT name, checksum FROM schema_migrations ORDER BY version")
    assert [r["name"] for r in recorded] == applied
    assert await apply_migrations(empty_db) == []


async def test_an_up_to_date_database_is_checked_without_the_migration_lock(
        empty_db: asyncpg.Connection, postgres: PostgresForTests) -> None:
    # What nearly every start finds: one query, not waiting for a process that migrates.
    await apply_migrations(empty_db)
    other = await asyncpg.connect(postgres.admin_dsn.replace("/postgres?", "/migration_test?"))
    try:
        await other.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        assert await asyncio.wait_for(apply_migrations(empty_db), timeout=5) == []
    finally:
        await other.close()


async def test_an_applied_migration_that_changed_is_refused(empty_db: asyncpg.Connection,
                                                            tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations)
    await apply_migrations(empty_db, migrations)
    first = sorted(migrations.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- an innocent-looking edit\n")
    with pytest.raises(MigrationError) as err:
        await apply_migrations(empty_db, migrations)
    assert first.name in err.value.message
    assert "changed after it was applied" in err.value.message


async def test_a_failing_migration_leaves_nothing_half_applied(empty_db: asyncpg.Connection,
                                                               tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations)
    (migrations / "9990_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nINSERT INTO no_such_table VALUES (1);\n")
    with pytest.raises(MigrationError) as err:
        await apply_migrations(empty_db, migrations)
    assert "9990_broken.sql" in err.value.message
    assert await empty_db.fetchval("SELECT to_regclass('half_done')") is None
    assert await empty_db.fetchval(
        "SELECT count(*) FROM schema_migrations WHERE name = '9990_broken.sql'") == 0
    # the good ones before it stay applied
    assert await empty_db.fetchval("SELECT to_regclass('accounts')") is not None


def test_badly_named_migration_is_refused(tmp_path: Path) -> None:
    (tmp_path / "1_oops.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError):
        discover(tmp_path)
