"""The governance JSON API: proposals, votes, charter, log and members, with clear JSON
errors (422 for refused input) and CSRF for session-authenticated writes."""

from __future__ import annotations

from typing import Any

import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from tests.governance.factories import found_coop, propose, run_past_close
from tests.helpers import get_form_token, sign_in

API = "/api/v1/governance"


@pytest.fixture
async def ada(client: Any, db: Database, config: Config, clock: FrozenClock) -> dict[str, Any]:
    users = await found_coop(db, config, clock, ["ada", "bea"], others=("cy",))
    await sign_in(client, "ada")
    token = await get_form_token(client, "/proposals/new")
    return {"client": client, "users": users, "headers": {"X-CSRF-Token": token}}


async def test_create_read_and_vote_through_the_api(ada: dict[str, Any]) -> None:
    client, headers = ada["client"], ada["headers"]
    resp = await client.post(f"{API}/proposals", headers=headers, json={
        "kind": "budget", "title": "Backups", "body": "Off-site backups",
        "motion": {"amount": 5000, "currency": "EUR", "purpose": "Backups"}})
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    assert created["status"] == "open" and created["rules"]["quorum"] == "25%"
    url = f"{API}/proposals/{created['id']}"

    resp = await client.post(f"{url}/votes", headers=headers, json={"choice": "block"})
    assert resp.status == 422
    assert await resp.json() == {"error": "A block must give its reason."}

    resp = await client.post(f"{url}/votes", headers=headers,
                             json={"choice": "block", "reason": "We have backups already"})
    assert resp.status == 200 and (await resp.json())["changed"] is False
    resp = await client.post(f"{url}/votes", headers=headers,
                             json={"choice": "agree", "reason": "Convinced"})
    assert (await resp.json())["changed"] is True

    shown = await (await client.get(url)).json()
    assert shown["tally"]["counts"] == {"agree": 1, "abstain": 0, "disagree": 0, "block": 0}
    assert shown["votes"] == [{"voter": "ada", "choice": "agree", "reason": "Convinced",
                               "cast_at": shown["votes"][0]["cast_at"]}]
    listed = await (await client.get(f"{API}/proposals")).json()
    assert [p["id"] for p in listed] == [created["id"]]


async def test_form_bodies_are_accepted_too(ada: dict[str, Any]) -> None:
    client, token = ada["client"], ada["headers"]["X-CSRF-Token"]
    resp = await client.post(f"{API}/proposals", data={
        "kind": "general", "title": "Weekly call", "csrf_token": token})
    assert resp.status == 201
    proposal_id = (await resp.json())["id"]
    resp = await client.post(f"{API}/proposals/{proposal_id}/votes",
                             data={"choice": "agree", "csrf_token": token})
    assert resp.status == 200


@pytest.mark.parametrize(("payload", "status", "message"), [
    ({"kind": "budget", "title": "x", "motion": {"amount": 5, "currency": "euro",
                                                 "purpose": "p"}}, 422, "three-letter"),
    ({"kind": "general", "title": "", "motion": None}, 422, "title"),
    ({"kind": "general", "title": "x", "motion": "{not json"}, 400, "JSON"),
    ({"kind": "nonsense", "title": "x"}, 422, "Unknown proposal kind"),
])
async def test_malformed_proposals_are_refused_with_nothing_stored(
        ada: dict[str, Any], db: Database, payload: dict[str, Any], status: int,
        message: str) -> None:
    resp = await ada["client"].post(f"{API}/proposals", headers=ada["headers"], json=payload)
    assert resp.status == status
    assert message in (await resp.json())["error"]
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM proposals") == 0


async def test_writes_need_csrf_with_a_session_and_a_caller(ada: dict[str, Any],
                                                             aiohttp_client: Any,
                                                             app_factory: Any) -> None:
    resp = await ada["client"].post(f"{API}/proposals", json={"kind": "general", "title": "x"})
    assert resp.status == 403
    anonymous = await aiohttp_client(app_factory())
    resp = await anonymous.post(f"{API}/proposals", json={"kind": "general", "title": "x"},
                                headers={"Authorization": "Bearer not-understood-yet"})
    assert resp.status == 401 and "error" in await resp.json()


async def test_non_members_and_closed_proposals_are_refused(
        ada: dict[str, Any], aiohttp_client: Any, app_factory: Any, db: Database,
        clock: FrozenClock, worker: Any) -> None:
    proposal = await propose(db, clock, ada["users"]["ada"])
    outsider = await aiohttp_client(app_factory())
    await sign_in(outsider, "cy")
    token = await get_form_token(outsider, "/proposals")
    resp = await outsider.post(f"{API}/proposals/{proposal.id}/votes", json={"choice": "agree"},
                               headers={"X-CSRF-Token": token})
    assert resp.status == 403
    assert "members" in (await resp.json())["error"]
    assert (await outsider.get(f"{API}/members")).status == 403

    await run_past_close(clock, worker, proposal)
    resp = await ada["client"].post(f"{API}/proposals/{proposal.id}/votes",
                                    json={"choice": "agree"}, headers=ada["headers"])
    assert resp.status == 409
    assert await resp.json() == {"error": "This proposal is closed for voting."}
    resp = await ada["client"].post(f"{API}/proposals/{proposal.id}/votes",
                                    json={"choice": "maybe"}, headers=ada["headers"])
    assert resp.status == 409
    assert (await ada["client"].get(f"{API}/proposals/999")).status == 404


async def test_charter_log_and_members_read_as_json(ada: dict[str, Any]) -> None:
    client = ada["client"]
    current = await (await client.get(f"{API}/charter")).json()
    assert current["version"] == 1
    assert {"id": "§4.4", "title": "Quorum and thresholds", "anchor": "clause-4-4",
            "url": "/charter#clause-4-4"} in current["clauses"]
    assert current["parameters"]["proposals"]["charter_amendment"]["threshold"] == "2/3"
    assert (await client.get(f"{API}/charter?version=9")).status == 404

    log = await (await client.get(f"{API}/log")).json()
    assert log["head"]["seq"] == 3 and [e["kind"] for e in log["entries"]] == [
        "charter.installed", "member.admitted", "member.admitted"]
    later = await (await client.get(f"{API}/log?after_seq=2")).json()
    assert [e["seq"] for e in later["entries"]] == [3]

    members = await (await client.get(f"{API}/members")).json()
    assert [(m["acct"], m["member_class"], m["status"]) for m in members] == [
        ("ada", "user", "active"), ("bea", "user", "active")]


async def test_members_vote_with_the_same_oauth_tokens_as_the_client_api(
        client: Any, db: Database, config: Config, clock: FrozenClock) -> None:
    from tests.api.conftest import PASSWORD, bearer, register_app

    users = await found_coop(db, config, clock, ["ada", "bea"])
    async with db.transaction() as conn:
        from server.accounts import service as accounts

        await accounts.set_password(conn, user=users["ada"], password=PASSWORD, now=clock.now())
    app = await register_app(client, scopes="read write")
    resp = await client.post("/oauth/token", data={
        "grant_type": "password", "client_id": app.client_id, "client_secret": app.client_secret,
        "username": "ada", "password": PASSWORD, "scope": "read"})
    read_only = (await resp.json())["access_token"]
    resp = await client.post("/oauth/token", data={
        "grant_type": "password", "client_id": app.client_id, "client_secret": app.client_secret,
        "username": "ada", "password": PASSWORD, "scope": "read write"})
    writer = (await resp.json())["access_token"]

    # No CSRF token is needed with a bearer token; the scope is.
    resp = await client.post(f"{API}/proposals", headers=bearer(read_only),
                             json={"kind": "general", "title": "Weekly call"})
    assert resp.status == 403
    resp = await client.post(f"{API}/proposals", headers=bearer(writer),
                             json={"kind": "general", "title": "Weekly call"})
    assert resp.status == 201, await resp.text()
    proposal = await resp.json()
    resp = await client.post(f"{API}/proposals/{proposal['id']}/votes", headers=bearer(writer),
                             json={"choice": "agree"})
    assert resp.status == 200, await resp.text()
    members = await client.get(f"{API}/members", headers=bearer(read_only))
    assert members.status == 200
    resp = await client.get(f"{API}/members", headers=bearer("not-a-token"))
    assert resp.status == 401
