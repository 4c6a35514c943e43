"""Every named SQL query in every area prepares against the migrated schema."""

from __future__ import annotations

import importlib
import pkgutil

import asyncpg
import pytest

import server
from server.db import Database
from server.db.queries import QUERY_PACKAGES, load_queries


def _import_every_queries_module() -> None:
    for info in pkgutil.walk_packages(server.__path__, prefix="server."):
        if info.name.endswith(".queries") and info.name != "server.db.queries":
            importlib.import_module(info.name)


async def test_every_named_query_prepares(db: Database) -> None:
    _import_every_queries_module()
    assert "server.jobs" in QUERY_PACKAGES and "server.accounts" in QUERY_PACKAGES
    checked = 0
    async with db.acquire() as conn:
        for package in QUERY_PACKAGES:
            for name, sql in load_queries(package).items():
                try:
                    await conn.prepare(sql)
                except asyncpg.PostgresError as exc:
                    pytest.fail(f"{package}:{name}: {exc}")
                checked += 1
    assert checked > 20
