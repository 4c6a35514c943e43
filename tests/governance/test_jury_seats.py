"""A drawn jury: declines are replaced by the same ranking and can be checked, the jury
decides by a vote of its jurors alone, and it is dissolved when its term ends."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.errors import ConflictError, ForbiddenError, ValidationError
from server.governance.errors import NotAMemberError
from server.governance.juries import seats, service, sortition
from server.governance.log import service as log
from tests.governance.factories import propose, reload, run_past_close, vote
from tests.governance.test_decision_log import run_cli
from tests.governance.test_juries import API, commit, draw_now, jury_coop, tamper
from tests.helpers import get_form_token, sign_in


@pytest.fixture
async def coop(db: Database, config: Config, clock: FrozenClock) -> dict[str, Any]:
    return await jury_coop(db, config, clock)


def _by_id(coop: dict[str, Any]) -> dict[str, Any]:
    return {str(u.account_id): u for u in coop.values()}


async def _drawn(db: Database, clock: FrozenClock, coop: dict[str, Any]) -> tuple[Any, list[Any]]:
    draw = await draw_now(db, clock, coop, await commit(db, clock, coop))
    async with db.acquire() as conn:
        found = await service.queries.list_seats(conn, draw_id=draw.id)
    return draw, [_by_id(coop)[s.member_id] for s in found]


async def _answer(db: Database, clock: FrozenClock, draw: Any, user: Any, accept: bool) -> Any:
    async with db.transaction() as conn:
        answer = seats.accept_seat if accept else seats.decline_seat
        return await answer(conn, draw_id=draw.id, account_id=user.account_id, now=clock.now())


async def test_a_decline_is_replaced_by_the_ranking_and_the_replacement_verifies(
        client: Any, db: Database, database_url: str, clock: FrozenClock,
        coop: dict[str, Any], tmp_path: Path) -> None:
    draw, jurors = await _drawn(db, clock, coop)
    first, second = jurors[0], jurors[1]
    await _answer(db, clock, draw, second, accept=True)
    with pytest.raises(ConflictError, match="already accepted"):
        await _answer(db, clock, draw, second, accept=False)
    outsider = next(u for n, u in coop.items() if n in ("bea", "rootie"))
    with pytest.raises(ForbiddenError, match="not drawn for this jury"):
        await _answer(db, clock, draw, outsider, accept=False)

    replacement = await _answer(db, clock, draw, first, accept=False)
    async with db.acquire() as conn:
        pool = service.entries(await service.queries.list_pool(conn, draw_id=draw.id))
    expected = sortition.replace(pool, sortition.params_from_dict(draw.params), draw.seed,
                                 [str(j.account_id) for j in jurors], {str(first.account_id)})
    assert expected is not None and replacement == _by_id(coop)[expected].username

    doc = await (await client.get(f"{API}/{draw.id}")).json()
    assert doc["replacements"] == [{"seq": 1, "declined": str(first.account_id),
                                    "replacement": expected, "log_seq": doc["replacements"][0][
                                        "log_seq"]}]
    assert [(s["id"], s["status"], s["source"]) for s in doc["seats"]][-1] == (
        expected, "offered", "replacement")
    assert doc["seats"][0]["status"] == "declined"
    async with db.acquire() as conn:
        entry = await log.get_entry(conn, seq=doc["replacements"][0]["log_seq"])
    assert entry is not None and entry["kind"] == "jury.seat_declined"
    assert entry["body"]["replacement"] == expected

    # The replacement declines too: the next offer (or none, when nobody left can keep
    # the quotas) follows from both declines, and still verifies.
    await _answer(db, clock, draw, _by_id(coop)[expected], accept=False)
    done = run_cli(database_url, "verify-draw", str(draw.id))
    assert done.returncode == 0, done.stdout
    saved = tmp_path / "draw.json"
    saved.write_text(json.dumps(await (await client.get(f"{API}/{draw.id}")).json()))
    assert run_cli(database_url, "verify-draw", str(draw.id), "--json", str(saved)
                   ).returncode == 0

    # A replacement recorded for someone the ranking did not give is found.
    await tamper(db, "UPDATE jury_declines SET replacement_id = $2 WHERE draw_id = $1 AND "
                     "seq = 1", draw.id, str(coop["bea"].account_id))
    found = run_cli(database_url, "verify-draw", str(draw.id))
    assert found.returncode == 1
    assert f"replacement 1 (for {first.account_id}) should be {expected}" in found.stdout


async def test_a_jury_decision_is_voted_on_by_its_jurors_only(
        client: Any, db: Database, clock: FrozenClock, worker: Any,
        coop: dict[str, Any]) -> None:
    draw, jurors = await _drawn(db, clock, coop)
    for juror in jurors[:4]:
        await _answer(db, clock, draw, juror, accept=True)
    undecided = jurors[4]
    bystander = next(u for n, u in coop.items() if n not in ("rootie", "zed")
                     and u.account_id not in {j.account_id for j in jurors})
    with pytest.raises(ForbiddenError, match="accepted their seat can put a question"):
        async with db.transaction() as conn:
            await seats.open_decision(conn, draw_id=draw.id, account_id=undecided.account_id,
                                      title="Uphold?", body="", now=clock.now())
    with pytest.raises(ValidationError, match="put to a jury by one of its jurors"):
        await propose(db, clock, bystander, "jury_decision", motion={"draw_id": str(draw.id)})

    async with db.transaction() as conn:
        decision = await seats.open_decision(conn, draw_id=draw.id,
                                             account_id=jurors[0].account_id,
                                             title="Uphold the removal of the post?",
                                             body="The appeal of case 12.", now=clock.now())
    assert decision.kind == "jury_decision" and decision.jury_draw_id == draw.id
    assert decision.rules is not None and decision.rules["clause"] == "§9.7"
    with pytest.raises(NotAMemberError, match="Only the jurors"):
        await vote(db, clock, bystander, decision, "agree", "I was not drawn")
    with pytest.raises(NotAMemberError, match="Only the jurors"):
        await vote(db, clock, undecided, decision, "agree", "Too late to accept")
    with pytest.raises(ValidationError, match="give its reason"):
        await vote(db, clock, jurors[0], decision, "agree")
    for juror in jurors[:3]:
        await vote(db, clock, juror, decision, "agree", "The post broke §6.1")
    await vote(db, clock, jurors[3], decision, "disagree", "It was satire")

    # Through the API too: a member who is not a juror is refused with a clear message.
    await sign_in(client, bystander.username)
    token = await get_form_token(client, "/proposals/new")
    resp = await client.post(f"/api/v1/governance/proposals/{decision.id}/votes",
                             headers={"X-CSRF-Token": token},
                             json={"choice": "block", "reason": "no"})
    assert resp.status == 403
    assert "Only the jurors" in (await resp.json())["error"]

    await run_past_close(clock, worker, decision)
    decision = await reload(db, decision)
    assert decision.status == "passed" and decision.tally is not None
    assert decision.tally["eligible"] == 4
    assert decision.tally["counts"] == {"agree": 3, "abstain": 0, "disagree": 1, "block": 0}
    page = await (await client.get(f"/governance/juries/{draw.id}")).text()
    assert "Uphold the removal of the post?" in page and "passed" in page


async def test_the_jury_is_dissolved_when_its_term_ends(
        db: Database, clock: FrozenClock, worker: Any, coop: dict[str, Any]) -> None:
    draw, jurors = await _drawn(db, clock, coop)
    await _answer(db, clock, draw, jurors[0], accept=True)
    assert draw.term_ends_at == draw.drawn_at + timedelta(days=30)
    clock.advance(timedelta(days=29))
    await worker().run_until_idle()
    async with db.acquire() as conn:
        assert (await service.get_draw(conn, draw_id=draw.id)).state == "drawn"
    clock.advance(timedelta(days=1, seconds=1))
    with pytest.raises(ConflictError, match="term is over"):
        await _answer(db, clock, draw, jurors[1], accept=True)
    await worker().run_until_idle()
    async with db.acquire() as conn:
        ended = await service.get_draw(conn, draw_id=draw.id)
        last = (await log.list_recent(conn, limit=1))[0]
    assert ended.state == "dissolved" and ended.dissolved_at == clock.now()
    assert last["kind"] == "jury.dissolved" and last["body"]["draw_id"] == str(draw.id)
    with pytest.raises(ConflictError, match="term is over"):
        async with db.transaction() as conn:
            await seats.open_decision(conn, draw_id=draw.id, account_id=jurors[0].account_id,
                                      title="Too late", body="", now=clock.now())


async def test_jurors_accept_and_decline_on_the_jury_page(
        client: Any, db: Database, clock: FrozenClock, coop: dict[str, Any]) -> None:
    draw, jurors = await _drawn(db, clock, coop)
    await sign_in(client, jurors[0].username)
    page = await (await client.get(f"/governance/juries/{draw.id}")).text()
    assert "You were drawn for this jury" in page and "Accept the seat" in page
    token = await get_form_token(client, f"/governance/juries/{draw.id}")
    resp = await client.post(f"/governance/juries/{draw.id}/accept",
                             data={"csrf_token": token}, allow_redirects=False)
    assert resp.status == 303
    page = await (await client.get(f"/governance/juries/{draw.id}")).text()
    assert "Your seat: <strong>accepted</strong>" in page and "Put it to the jury" in page
    resp = await client.post(f"/governance/juries/{draw.id}/decisions", allow_redirects=False,
                             data={"csrf_token": token, "title": "Nominate @ada?"})
    assert resp.status == 303 and resp.headers["Location"].startswith("/proposals/")
    mine = await (await client.get("/governance/draws")).text()
    assert "Your seats" in mine and "accepted" in mine

    await sign_in(client, jurors[1].username)
    token = await get_form_token(client, f"/governance/juries/{draw.id}")
    resp = await client.post(f"/governance/juries/{draw.id}/decline",
                             data={"csrf_token": token}, allow_redirects=False)
    assert resp.status == 303
    page = await (await client.get(f"/governance/juries/{draw.id}")).text()
    assert "Your seat: <strong>declined</strong>" in page and "(replacement)" in page
