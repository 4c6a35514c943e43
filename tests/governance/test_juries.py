"""Jury draws: the commitment comes before the draw, the draw re-runs from what was published
(through the command and the JSON endpoint), and a pool, secret or log head changed after
the fact is found."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.errors import ConflictError, ForbiddenError, ValidationError
from server.governance.juries import service, sortition
from server.governance.juries.verify import check_document
from server.governance.log import service as log
from tests.governance.factories import found_coop
from tests.governance.test_decision_log import run_cli
from tests.helpers import sign_in

API = "/api/v1/governance/draws"
USERS = ["ada", "bea", "cid", "dot", "eve", "fay"]
WORKERS = ["gus", "hal", "ivy"]


async def jury_coop(db: Database, config: Config, clock: FrozenClock) -> dict[str, Any]:
    """Six user-members, three worker-members, an admin who is not a member, and zed."""
    return await found_coop(db, config, clock, USERS + WORKERS, others=("rootie", "zed"),
                            admins=("rootie",), worker_members=tuple(WORKERS))


@pytest.fixture
async def coop(db: Database, config: Config, clock: FrozenClock) -> dict[str, Any]:
    return await jury_coop(db, config, clock)


async def commit(db: Database, clock: FrozenClock, coop: dict[str, Any], purpose: str = "appeal",
                 exclude: tuple[str, ...] = ("bea", "cid")) -> Any:
    async with db.transaction() as conn:
        return await service.commit_draw(
            conn, purpose=purpose, now=clock.now(), by_account_id=coop["rootie"].account_id,
            exclude_account_ids=[coop[n].account_id for n in exclude])


async def draw_now(db: Database, clock: FrozenClock, coop: dict[str, Any], draw: Any) -> Any:
    async with db.transaction() as conn:
        return await service.perform_draw(conn, draw_id=draw.id, now=clock.now(),
                                          by_account_id=coop["rootie"].account_id)


async def tamper(db: Database, sql: str, *args: Any) -> None:
    """Change stored rows as a superuser would: with every trigger switched off."""
    async with db.transaction() as conn:
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute(sql, *args)


def _ids(coop: dict[str, Any], names: list[str]) -> set[str]:
    return {str(coop[n].account_id) for n in names}


async def test_commitment_comes_first_and_the_draw_reruns_from_its_json_and_the_command(
        client: Any, db: Database, database_url: str, clock: FrozenClock, worker: Any,
        coop: dict[str, Any], tmp_path: Path) -> None:
    draw = await commit(db, clock, coop)
    resp = await client.get(f"{API}/{draw.id}")
    before = await resp.json()
    assert resp.status == 200 and before["state"] == "committed"
    assert before["secret"] is None and before["seed"] is None and before["jurors"] == []
    assert draw.secret not in await resp.text()
    assert before["pool_size"] == 9 and before["eligible"] == 7
    assert before["params"] == {"size": 5, "exclude": sorted(_ids(coop, ["bea", "cid"])),
                                "strata": {"user": {"min": 2, "max": 5},
                                           "worker": {"min": 0, "max": 2}}}
    async with db.acquire() as conn:
        committed = await log.get_entry(conn, seq=draw.commit_log_seq)
    assert committed is not None and committed["kind"] == "jury.committed"
    assert committed["body"]["commitment"] == before["commitment"]
    assert committed["body"]["pool_hash"] == before["pool_hash"]

    await worker().run_until_idle()                      # not due yet: nothing drawn
    assert (await (await client.get(f"{API}/{draw.id}")).json())["state"] == "committed"
    clock.advance(timedelta(hours=25))
    await worker().run_until_idle()
    doc = await (await client.get(f"{API}/{draw.id}")).json()
    assert doc["state"] == "drawn" and doc["log_head"]["seq"] > draw.commit_log_seq
    assert hashlib.sha256(doc["secret"].encode()).hexdigest() == doc["commitment"]
    pool = [sortition.PoolEntry(p["id"], p["stratum"]) for p in doc["pool"]]
    seed = sortition.derive_seed(doc["secret"], doc["log_head"]["hash"])
    assert seed == doc["seed"]
    assert sortition.select(pool, sortition.params_from_dict(doc["params"]), seed) == doc["jurors"]
    assert len(doc["jurors"]) == 5 and not set(doc["jurors"]) & _ids(coop, ["bea", "cid"])
    assert len(set(doc["jurors"]) & _ids(coop, WORKERS)) <= 2

    done = run_cli(database_url, "verify-draw", str(draw.id))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"ok: draw {draw.id} re-run gives jurors")
    saved = tmp_path / "draw.json"
    saved.write_text(json.dumps(doc))
    offline = run_cli(database_url, "verify-draw", str(draw.id), "--json", str(saved))
    assert offline.returncode == 0 and ", ".join(doc["jurors"]) in offline.stdout

    # Someone else's figures that do not add up are named, and the command exits 1.
    doc["jurors"] = [*doc["jurors"][:4], str(coop["bea"].account_id)]
    saved.write_text(json.dumps(doc))
    wrong = run_cli(database_url, "verify-draw", str(draw.id), "--json", str(saved))
    assert wrong.returncode == 1
    assert "mismatch: the claimed jurors differ from the recomputed draw" in wrong.stdout


async def test_pool_changed_after_the_commitment_is_found_and_refused(
        db: Database, database_url: str, clock: FrozenClock, coop: dict[str, Any]) -> None:
    draw = await commit(db, clock, coop)
    async with db.transaction() as conn:
        with pytest.raises(asyncpg.IntegrityConstraintViolationError):
            await conn.execute("DELETE FROM jury_draw_pool WHERE draw_id = $1", draw.id)
    assert run_cli(database_url, "verify-draw", str(draw.id)).returncode == 0

    # Swap zed (never a member) in for dot after the commitment, hash column and all.
    await tamper(db, "UPDATE jury_draw_pool SET member_id = $2, account_id = $3 "
                     "WHERE draw_id = $1 AND member_id = $4", draw.id,
                 str(coop["zed"].account_id), coop["zed"].account_id,
                 str(coop["dot"].account_id))
    with pytest.raises(ConflictError, match="no longer matches the hash committed to"):
        await draw_now(db, clock, coop, draw)
    found = run_cli(database_url, "verify-draw", str(draw.id))
    assert found.returncode == 1
    assert "the pool differs from the one whose hash was published" in found.stdout

    async with db.acquire() as conn:
        pool = await service.queries.list_pool(conn, draw_id=draw.id)
    forged = sortition.pool_hash(service.entries(pool))
    await tamper(db, "UPDATE jury_draws SET pool_hash = $2 WHERE id = $1", draw.id, forged)
    again = run_cli(database_url, "verify-draw", str(draw.id))
    assert again.returncode == 1
    assert "the pool hash differs from the one logged at seq" in again.stdout


async def test_wrong_secret_or_log_head_is_found(
        client: Any, db: Database, database_url: str, clock: FrozenClock,
        coop: dict[str, Any]) -> None:
    draw = await draw_now(db, clock, coop, await commit(db, clock, coop))
    assert run_cli(database_url, "verify-draw", str(draw.id)).returncode == 0
    doc = await (await client.get(f"{API}/{draw.id}")).json()
    assert check_document(doc).ok

    other = sortition.make_secret()
    assert "the secret does not hash to the published commitment" in check_document(
        {**doc, "secret": other}).problems
    head = {"seq": draw.commit_log_seq, "hash": "1" * 64}
    assert check_document({**doc, "log_head": head}).problems == (
        "the seed is not the one derived from the secret and the log head",)

    async with db.transaction() as conn:
        with pytest.raises(asyncpg.IntegrityConstraintViolationError):
            await conn.execute("UPDATE jury_draws SET secret = $2 WHERE id = $1", draw.id, other)
    await tamper(db, "UPDATE jury_draws SET secret = $2 WHERE id = $1", draw.id, other)
    found = run_cli(database_url, "verify-draw", str(draw.id))
    assert found.returncode == 1
    assert "secret does not hash to the published commitment" in found.stdout
    assert "secret differs from the one revealed in the decision log" in found.stdout

    await tamper(db, "UPDATE jury_draws SET secret = $2 WHERE id = $1", draw.id, draw.secret)
    async with db.acquire() as conn:
        committed = await log.get_entry(conn, seq=draw.commit_log_seq)
    assert committed is not None
    await tamper(db, "UPDATE jury_draws SET log_head_seq = $2, log_head_hash = $3 "
                     "WHERE id = $1", draw.id, committed["seq"], committed["hash"])
    head_found = run_cli(database_url, "verify-draw", str(draw.id))
    assert head_found.returncode == 1
    assert "the seed is not the one derived from the secret and the log head" in head_found.stdout
    assert "the log head used was written before the commitment" in head_found.stdout


async def test_quotas_come_from_the_charter_and_hold(
        db: Database, config: Config, clock: FrozenClock, worker: Any) -> None:
    names = ["ada", "bea", "cid", "dot", "eve", "fay", "gus", "hal", "ivy"]
    workers = names[3:]                                  # six workers, three users
    coop = await found_coop(db, config, clock, names, others=("rootie",), admins=("rootie",),
                            worker_members=tuple(workers))
    # [juries]: five seats, users at least 2, workers at most 2: always 3 users + 2 workers.
    for _ in range(3):
        draw = await draw_now(db, clock, coop, await commit(db, clock, coop, "board_nomination",
                                                            exclude=()))
        async with db.acquire() as conn:
            seats = await service.queries.list_seats(conn, draw_id=draw.id)
        assert len(seats) == 5 and len({s.member_id for s in seats} & _ids(coop, workers)) == 2

    # The members change the quotas; the next draw follows the amended charter.
    from tests.governance.factories import amend_charter

    await amend_charter(db, clock, worker, [coop[n] for n in names],
                        'term_days = 30\norganiser_role = "admin"\n\n[juries.strata]\n'
                        'user = { min = 2, max = 5 }\nworker = { min = 0, max = 2 }',
                        'term_days = 30\norganiser_role = "admin"\n\n[juries.strata]\n'
                        'user = { min = 0, max = 0 }\nworker = { min = 5, max = 5 }')
    draw = await draw_now(db, clock, coop, await commit(db, clock, coop, "board_nomination",
                                                        exclude=()))
    assert draw.params["strata"] == {"user": {"min": 0, "max": 0}, "worker": {"min": 5, "max": 5}}
    assert draw.charter_version == 2
    async with db.acquire() as conn:
        seats = await service.queries.list_seats(conn, draw_id=draw.id)
    assert {s.member_id for s in seats} <= _ids(coop, workers)

    # A pool that cannot meet the quotas is refused before anything is committed.
    with pytest.raises(ValidationError, match="stratum 'worker' needs 5 seats but has 4"):
        await commit(db, clock, coop, "board_nomination", exclude=("ivy", "hal"))


async def test_only_organisers_commit_or_draw_early(
        db: Database, clock: FrozenClock, coop: dict[str, Any]) -> None:
    async with db.transaction() as conn:
        with pytest.raises(ForbiddenError):
            await service.commit_draw(conn, purpose="appeal", now=clock.now(),
                                      by_account_id=coop["dot"].account_id)
    draw = await commit(db, clock, coop)
    async with db.transaction() as conn:
        with pytest.raises(ForbiddenError):
            await service.perform_draw(conn, draw_id=draw.id, now=clock.now(),
                                       by_account_id=coop["dot"].account_id)
    drawn = await draw_now(db, clock, coop, draw)
    assert drawn.state == "drawn"
    with pytest.raises(ConflictError, match="already been drawn"):
        await draw_now(db, clock, coop, draw)
    async with db.acquire() as conn:
        kinds = [e["kind"] async for e in log.iter_entries(conn, after_seq=draw.commit_log_seq)]
    # Nothing was logged between commitment and draw, so the draw logged its own head first.
    assert kinds == ["jury.draw_due", "jury.drawn"]


async def test_draw_pages_show_commitment_reveal_and_how_to_check(
        client: Any, db: Database, clock: FrozenClock, coop: dict[str, Any]) -> None:
    await sign_in(client, "rootie")
    page = await client.get("/governance/draws")
    assert page.status == 200 and "Announce a draw" in await page.text()
    token = (await page.text()).split('name="csrf_token" value="')[1].split('"')[0]
    resp = await client.post("/governance/draws", allow_redirects=False, data={
        "csrf_token": token, "purpose": "board_nomination", "exclude": "bea cid",
        "draw_in_hours": "48"})
    assert resp.status == 303, await resp.text()
    location = resp.headers["Location"]
    detail = await (await client.get(location)).text()
    assert "State: committed" in detail and "The secret stays hidden" in detail
    assert "from 7 eligible members (a pool of 9, 2 excluded)" in detail
    assert "commonhold verify-draw" in detail and "<strong>ok</strong>" in detail
    resp = await client.post(f"{location}/draw", data={"csrf_token": token},
                             allow_redirects=False)
    assert resp.status == 303
    detail = await (await client.get(location)).text()
    assert "State: drawn" in detail and "Log head used" in detail
    assert "<strong>ok</strong>" in detail
    listing = await (await client.get(API)).json()
    assert listing[0]["state"] == "drawn" and listing[0]["purpose"] == "board_nomination"
