"""Throwaway databases copied from a migrated template: what the test suite and the
benchmarks stand on. Copying a template is far faster than migrating each database."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from server.db.migrate import apply_migrations


def with_database(dsn: str, name: str) -> str:
    """The same server, another database."""
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{name}"))


async def build_template(admin_dsn: str, template: str) -> None:
    """(Re)create `template` with every migration applied."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{template}"')
    finally:
        await conn.close()
    conn = await asyncpg.connect(with_database(admin_dsn, template))
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()


async def copy_of(admin_dsn: str, template: str, prefix: str) -> str:
    """A new database copied from `template`; its DSN."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await conn.close()
    return with_database(admin_dsn, name)


async def drop(admin_dsn: str, dsn: str) -> None:
    name = urlsplit(dsn).path.lstrip("/")
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
