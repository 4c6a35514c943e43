"""init-charter installs the founding charter once with its founders admitted; admit adds a
member from the command line, with a share and a log entry."""

from __future__ import annotations

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.governance.charter import service as charter
from server.governance.log import service as log
from server.governance.members import queries as members_q
from tests.governance.test_decision_log import run_cli
from tests.helpers import make_user


async def test_init_charter_installs_once_and_admit_adds_members(
        db: Database, database_url: str, config: Config, clock: FrozenClock) -> None:
    for name in ("ada", "bea", "cy"):
        await make_user(db, config, clock, name)
    done = run_cli(database_url, "init-charter", "--founder", "ada", "--founder", "bea:worker",
                   "--instance-name", "Riverside Social")
    assert done.returncode == 0, done.stderr
    assert "installed charter version 1" in done.stdout

    again = run_cli(database_url, "init-charter", "--founder", "cy")
    assert again.returncode == 1
    assert "already installed" in again.stderr

    admitted = run_cli(database_url, "admit", "cy", "--class", "worker")
    assert admitted.returncode == 0, admitted.stderr
    assert run_cli(database_url, "admit", "cy").returncode == 1           # already a member
    assert "Unknown member class" in run_cli(database_url, "admit", "ada", "--class",
                                             "boss").stderr

    async with db.acquire() as conn:
        current = await charter.get_charter_in_force(conn)
        members = {m.username: m for m in await members_q.list_members(conn)}
        ledger = await members_q.list_share_ledger(conn)
        kinds = [e["kind"] async for e in log.iter_entries(conn)]
    assert current.version == 1 and "Riverside Social" in current.text
    assert "@ada, @bea" in current.text
    assert {n: m.member_class for n, m in members.items()} == {
        "ada": "user", "bea": "worker", "cy": "worker"}
    assert [(row.username, row.movement) for row in ledger] == [
        ("ada", "issue"), ("bea", "issue"), ("cy", "issue")]
    assert kinds == ["charter.installed"] + ["member.admitted"] * 3
