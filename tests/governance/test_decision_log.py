"""The decision log records every governance change, refuses edits, and a tampered entry
is found by verify-log (the service and the command)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.governance.log import service as log
from tests.governance.factories import found_coop, propose, run_past_close, vote

ROOT = Path(__file__).resolve().parents[2]


def run_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "COMMONHOLD_DATA_DIR": "/nonexistent"}
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


async def _history(db: Database, config: Config, clock: FrozenClock, worker: Any) -> None:
    users = await found_coop(db, config, clock, ["ada", "bea", "cid"])
    proposal = await propose(db, clock, users["ada"])
    await vote(db, clock, users["bea"], proposal, "agree")
    await run_past_close(clock, worker, proposal)


async def test_each_governance_change_is_logged_and_the_chain_verifies(
        db: Database, config: Config, clock: FrozenClock, worker: Any) -> None:
    await _history(db, config, clock, worker)
    async with db.acquire() as conn:
        entries = [e async for e in log.iter_entries(conn)]
        report = await log.verify_log(conn)
    assert [e["kind"] for e in entries] == [
        "charter.installed", "member.admitted", "member.admitted", "member.admitted",
        "proposal.opened", "proposal.closed"]
    closed = entries[-1]["body"]
    assert closed["outcome"] == "passed" and closed["tally"]["counts"]["agree"] == 1
    assert report.ok and report.checked == 6 and report.head_hash == entries[-1]["hash"]


async def test_log_entries_cannot_be_changed_or_removed(
        db: Database, config: Config, clock: FrozenClock, worker: Any) -> None:
    await _history(db, config, clock, worker)
    async with db.acquire() as conn:
        for statement in ("UPDATE decision_log SET kind = 'x' WHERE seq = 1",
                          "DELETE FROM decision_log WHERE seq = 6",
                          "TRUNCATE decision_log CASCADE"):
            with pytest.raises(asyncpg.IntegrityConstraintViolationError):
                await conn.execute(statement)


async def test_tampering_with_a_stored_entry_is_detected_by_verify_log(
        db: Database, database_url: str, config: Config, clock: FrozenClock,
        worker: Any) -> None:
    await _history(db, config, clock, worker)
    ok = run_cli(database_url, "verify-log")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ok: 6 entries")

    # A superuser switches the guard off and rewrites the outcome of the proposal.
    async with db.acquire() as conn:
        await conn.execute("ALTER TABLE decision_log DISABLE TRIGGER decision_log_append_only")
        await conn.execute("UPDATE decision_log SET body = jsonb_set(body, '{outcome}', "
                           "'\"failed\"') WHERE seq = 6")
        await conn.execute("ALTER TABLE decision_log ENABLE TRIGGER decision_log_append_only")
        report = await log.verify_log(conn)
    assert not report.ok and report.broken_seq == 6 and report.problem == "hash"
    assert report.checked == 5

    broken = run_cli(database_url, "verify-log")
    assert broken.returncode == 1
    assert "decision log broken at seq 6 (hash" in broken.stderr
