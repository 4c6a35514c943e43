"""Every governance page renders what it should, and members vote, propose, apply and
install the charter through the forms."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.governance.charter import service as charter
from server.governance.log import chain
from server.governance.members import service as members
from tests.governance.factories import found_coop, propose, reload, run_past_close, vote
from tests.helpers import make_user, post_form, sign_in


@pytest.fixture
async def users(client: Any, db: Database, config: Config, clock: FrozenClock) -> dict[str, Any]:
    found = await found_coop(db, config, clock, ["ada", "bea"], others=("cy", "rootie"),
                             admins=("rootie",))
    await sign_in(client, "ada")
    return found


async def _page(client: Any, path: str, status: int = 200) -> str:
    resp = await client.get(path)
    text = await resp.text()
    assert resp.status == status, text
    return text


async def test_charter_pages_show_clauses_history_and_diff(
        client: Any, users: dict[str, Any], db: Database, clock: FrozenClock,
        worker: Any) -> None:
    page = await _page(client, "/charter")
    assert '<h3 id="clause-4-4">§4.4 Quorum and thresholds</h3>' in page
    assert 'href="#clause-9-5"' in page and "(in force)" in page
    async with db.acquire() as conn:
        text = (await charter.get_charter_in_force(conn)).text
    amended = text.replace("We federate with the whole fediverse by default.",
                           "We federate with the whole fediverse by default, gladly.")
    proposal = await propose(db, clock, users["ada"], "charter_amendment",
                             motion={"text": amended, "summary": "Say it gladly"})
    await vote(db, clock, users["ada"], proposal, "agree")
    await vote(db, clock, users["bea"], proposal, "agree")
    await run_past_close(clock, worker, proposal)

    history = await _page(client, "/charter/history")
    assert "Version 2" in history and f"/proposals/{proposal.id}" in history
    assert "+1 −1 lines" in history
    diff = await _page(client, "/charter/diff?from=1&to=2")
    assert 'class="diff"' in diff and "gladly" in diff
    assert "<script" not in diff
    old = await _page(client, "/charter/versions/1")
    assert "version 2 is in force" in old and "gladly" not in old
    await _page(client, "/charter/versions/7", 404)
    await _page(client, "/charter/diff?from=x", 422)


async def test_proposal_pages_and_voting_through_the_form(
        client: Any, users: dict[str, Any], db: Database, clock: FrozenClock) -> None:
    for kind in ("general", "charter_amendment", "moderation_rule", "domain_policy", "budget",
                 "appointment", "poll"):
        form = await _page(client, f"/proposals/new?kind={kind}")
        assert 'name="title"' in form
    resp = await post_form(client, "/proposals", {
        "kind": "budget", "title": "Pay for backups", "amount": "2500", "currency": "eur",
        "purpose": "Off-site backups"}, token_from="/proposals/new?kind=budget")
    assert resp.status == 303
    path = resp.headers["Location"]
    page = await _page(client, path)
    assert "Pay for backups" in page and "Block — a reason is required" in page
    assert '"amount": 2500' in page

    refused = await post_form(client, f"{path}/votes", {"choice": "block", "reason": ""},
                              token_from=path)
    assert refused.status == 422
    assert "A block must give its reason." in await refused.text()

    done = await post_form(client, f"{path}/votes", {"choice": "agree", "reason": "Yes"},
                           token_from=path)
    assert done.status == 303
    page = await _page(client, path)
    assert "You voted <strong>agree</strong>" in page and "Change my vote" in page
    assert "<td>@ada</td><td>agree</td><td>Yes</td>" in page

    commented = await post_form(client, f"{path}/comments", {"body": "Which provider?"},
                                token_from=path)
    assert commented.status == 303
    assert "Which provider?" in await _page(client, path)
    listing = await _page(client, "/proposals")
    assert "Pay for backups" in listing and "Budget" in listing


async def test_bad_proposal_form_is_shown_again_with_the_reason(
        client: Any, users: dict[str, Any], db: Database) -> None:
    resp = await post_form(client, "/proposals", {
        "kind": "domain_policy", "title": "Block spam host", "domain": "spam.example",
        "policy": "suspend", "reason": "", "clause": "§10.2"},
        token_from="/proposals/new?kind=domain_policy")
    assert resp.status == 422
    text = await resp.text()
    assert "reason must be non-empty text" in text and 'value="spam.example"' in text
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM proposals") == 0


async def test_ranked_poll_through_the_form(client: Any, users: dict[str, Any], db: Database,
                                            clock: FrozenClock) -> None:
    poll = await propose(db, clock, users["bea"], "poll", title="Name the server",
                         motion={"method": "ranked_choice", "options": ["Oak", "Elm", "Ash"]})
    path = f"/proposals/{poll.id}"
    assert 'name="rank_2"' in await _page(client, path)
    resp = await post_form(client, f"{path}/votes", {"rank_0": "2", "rank_1": "1", "rank_2": ""},
                           token_from=path)
    assert resp.status == 303
    async with db.acquire() as conn:
        choice = await conn.fetchval("SELECT choice FROM proposal_ballots")
    assert choice == ["Elm", "Oak"]


async def test_secret_ballot_page_hides_results_and_choices(
        client: Any, users: dict[str, Any], db: Database, clock: FrozenClock,
        worker: Any) -> None:
    election = await propose(db, clock, users["bea"], "appointment", title="Ada as admin",
                             motion={"account": "ada", "role": "admin", "action": "grant"})
    await vote(db, clock, users["bea"], election, "agree", "She keeps things running")
    page = await _page(client, f"/proposals/{election.id}")
    assert "results are hidden until the proposal closes" in page
    assert "Voted: @bea" in page and "She keeps things running" not in page
    await run_past_close(clock, worker, election)
    assert (await reload(db, election)).status == "enacted"
    page = await _page(client, f"/proposals/{election.id}")
    assert "<td>1</td>" in page and "She keeps things running" not in page


async def test_member_pages_are_for_members(client: Any, users: dict[str, Any],
                                           aiohttp_client: Any, app_factory: Any) -> None:
    directory = await _page(client, "/members")
    assert "@ada" in directory and "@bea" in directory and "@cy" not in directory
    ledger = await _page(client, "/members/ledger")
    assert ledger.count("<td>issue</td>") == 2
    await _page(client, "/members/applications")
    outsider = await aiohttp_client(app_factory())
    await sign_in(outsider, "cy")
    await _page(outsider, "/members", 403)
    await _page(outsider, "/members/ledger", 403)
    anonymous = await aiohttp_client(app_factory())
    await _page(anonymous, "/members", 401)


async def test_applying_and_being_admitted_through_the_pages(
        client: Any, users: dict[str, Any], aiohttp_client: Any, app_factory: Any,
        db: Database) -> None:
    applicant = await aiohttp_client(app_factory())
    await sign_in(applicant, "cy")
    resp = await post_form(applicant, "/members/apply", {"statement": "I accept the charter",
                                                         "member_class": "worker"})
    assert resp.status == 303
    assert "waiting for a decision" in await _page(applicant, "/members/apply")

    admin = await aiohttp_client(app_factory())
    await sign_in(admin, "rootie")
    listing = await _page(admin, "/members/applications")
    assert "I accept the charter" in listing and "Admit" in listing
    action = listing.split('action="/members/applications/', 1)[1].split('"', 1)[0]
    action = f"/members/applications/{action}"
    assert action.endswith("/approve")
    resp = await post_form(admin, action, {}, token_from="/members/applications")
    assert resp.status == 303
    async with db.acquire() as conn:
        member = await members.get_member(conn, account_id=users["cy"].account_id)
    assert member is not None and member.member_class == "worker"
    assert "You are a worker member" in await _page(applicant, "/members/apply")


async def test_decision_log_page_and_export_verify(client: Any, users: dict[str, Any]) -> None:
    page = await _page(client, "/governance/log")
    assert "#1 charter.installed" in page and "#3 member.admitted" in page
    resp = await client.get("/governance/log/export.json")
    assert resp.status == 200 and "attachment" in resp.headers["Content-Disposition"]
    entries = json.loads(await resp.text())
    report = chain.verify_chain(entries)
    assert report.ok and report.checked == 3


async def test_first_run_setup_page_installs_the_charter_once(
        aiohttp_client: Any, app_factory: Any, db: Database, config: Config,
        clock: FrozenClock) -> None:
    client = await aiohttp_client(app_factory())
    await make_user(db, config, clock, "rootie", role="admin")
    await make_user(db, config, clock, "ada")
    await _page(client, "/charter", 404)
    await sign_in(client, "rootie")
    assert "Install the founding charter" in await _page(client, "/governance/setup")
    resp = await post_form(client, "/governance/setup",
                           {"founders": "ada rootie", "instance_name": "Harbour Social"})
    assert resp.status == 303 and resp.headers["Location"] == "/charter"
    page = await _page(client, "/charter")
    assert "The Social Charter of Harbour Social" in page and "@ada, @rootie" in page
    assert "only an adopted charter amendment" in await _page(client, "/governance/setup")
