"""The instance endpoints, from the real database, checked against the OpenAPI schemas."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.clock import FrozenClock
from server.db import Database
from server.ids import new_id
from tests.api.test_accounts import remote_account
from tests.openapi import validate, validate_list


async def _rule(db: Database, text: str, position: int, clock: FrozenClock) -> None:
    async with db.acquire() as conn:
        await conn.execute("INSERT INTO instance_rules (id, text, hint, position, created_at) "
                           "VALUES ($1, $2, '', $3, $4)", new_id(), text, position, clock.now())


async def test_instance_v1_and_v2(api: Any, member: Any, db: Database, clock: FrozenClock) -> None:
    for person in (await member("bea", role="admin"), await member("ada")):
        await api.get("/api/v1/accounts/verify_credentials", headers=person.headers)
    await remote_account(db, "alice", "mastodon.test")
    await _rule(db, "Be kind.", 1, clock)
    v1 = await (await api.get("/api/v1/instance")).json()
    validate(v1, "V1Instance")
    assert v1["version"] == "4.3.0 (compatible; Commonhold 0.1.0)"
    assert v1["uri"] == "ch.test" and v1["urls"]["streaming_api"] == "ws://ch.test"
    assert v1["stats"] == {"user_count": 2, "status_count": 0, "domain_count": 1}
    assert v1["configuration"]["statuses"]["max_characters"] == 500
    assert v1["contact_account"]["username"] == "bea"
    assert v1["rules"][0]["text"] == "Be kind."
    v2 = await (await api.get("/api/v2/instance")).json()
    validate(v2, "Instance")
    assert v2["domain"] == "ch.test" and v2["api_versions"] == {"mastodon": 2}
    assert v2["registrations"] == {"enabled": True, "approval_required": False,
                                   "reason_required": False, "message": None, "min_age": None,
                                   "url": None}
    assert v2["usage"]["users"]["active_month"] == 2
    assert v2["contact"]["email"] == "admins@ch.test"
    assert v2["configuration"]["polls"]["max_options"] == 4
    assert v2["configuration"]["media_attachments"]["image_matrix_limit"] == 33_177_600
    thumbnail = await api.get(v2["thumbnail"]["url"].removeprefix("http://ch.test"))
    assert thumbnail.status == 200 and thumbnail.content_type == "image/png"
    icon = await api.get(v2["icon"][0]["src"].removeprefix("http://ch.test"))
    assert icon.status == 200


async def test_closed_registrations_are_shown(aiohttp_client: Any, app_factory: Any) -> None:
    client = await aiohttp_client(app_factory(registrations="closed"))
    v2 = await (await client.get("/api/v2/instance")).json()
    assert v2["registrations"]["enabled"] is False and v2["registrations"]["message"]
    v1 = await (await client.get("/api/v1/instance")).json()
    assert v1["registrations"] is False


async def test_rules_in_their_order(api: Any, db: Database, clock: FrozenClock) -> None:
    assert await (await api.get("/api/v1/instance/rules")).json() == []
    await _rule(db, "Second", 2, clock)
    await _rule(db, "First", 1, clock)
    rules = await (await api.get("/api/v1/instance/rules")).json()
    validate_list(rules, "Rule")
    assert [r["text"] for r in rules] == ["First", "Second"]


async def test_peers_are_the_domains_we_know(api: Any, db: Database) -> None:
    await remote_account(db, "alice", "mastodon.test")
    await remote_account(db, "bob", "Pleroma.test")
    await remote_account(db, "carol", "mastodon.test")
    assert await (await api.get("/api/v1/instance/peers")).json() == ["mastodon.test",
                                                                     "pleroma.test"]


async def test_activity_counts_twelve_weeks(api: Any, member: Any, db: Database,
                                            clock: FrozenClock) -> None:
    ada = await member("ada")
    await api.get("/api/v1/accounts/verify_credentials", headers=ada.headers)
    async with db.acquire() as conn:
        for days_ago in (0, 1, 8):
            status_id = new_id()
            await conn.execute(
                "INSERT INTO statuses (id, account_id, uri, local, visibility, created_at, "
                "updated_at) VALUES ($1, $2, $3, true, 'public', $4, $4)", status_id,
                ada.user.account_id, f"http://ch.test/s/{status_id}",
                clock.now() - timedelta(days=days_ago))
    weeks = await (await api.get("/api/v1/instance/activity")).json()
    assert len(weeks) == 12
    assert all(set(w) == {"week", "statuses", "logins", "registrations"} for w in weeks)
    assert all(isinstance(v, str) for w in weeks for v in w.values())
    assert int(weeks[0]["week"]) > int(weeks[1]["week"])
    assert sum(int(w["statuses"]) for w in weeks[:3]) == 3
    assert weeks[0]["logins"] == "1" and weeks[0]["registrations"] == "1"


async def test_lists_that_are_empty_for_good_reason(api: Any, member: Any) -> None:
    ada = await member("ada")
    assert await (await api.get("/api/v1/custom_emojis")).json() == []
    assert await (await api.get("/api/v1/instance/domain_blocks")).json() == []
    assert (await api.get("/api/v1/announcements")).status == 401
    assert await (await api.get("/api/v1/announcements", headers=ada.headers)).json() == []


async def test_domain_blocks_are_the_members_domain_policies(
        api: Any, db: Database, api_config: Any, clock: Any, worker: Any) -> None:
    from tests.governance.factories import found_coop, propose, run_past_close, vote

    coop = await found_coop(db, api_config, clock, ["ada", "bea"])
    motions = [("Spam.Example", "suspend", "Spam waves"), ("loud.example", "limit", "Pile-ons"),
               ("pics.example", "reject_media", "Gore")]
    for domain, policy, reason in motions:
        proposal = await propose(db, clock, coop["ada"], "domain_policy", title=reason, motion={
            "domain": domain, "policy": policy, "reason": reason, "clause": "§10.2"})
        for name in ("ada", "bea"):
            await vote(db, clock, coop[name], proposal, "agree")
        await run_past_close(clock, worker, proposal)
    blocks = await (await api.get("/api/v1/instance/domain_blocks")).json()
    validate_list(blocks, "DomainBlock")
    assert {b["domain"]: b["severity"] for b in blocks} == {
        "spam.example": "suspend", "loud.example": "silence"}
    loud = next(b for b in blocks if b["domain"] == "loud.example")
    assert loud["comment"] == "Pile-ons (§10.2)"
    assert len(loud["digest"]) == 64


async def test_extended_description_and_terms_are_the_charter(
        api: Any, db: Database, api_config: Any, clock: Any) -> None:
    from tests.governance.factories import found_coop

    assert (await api.get("/api/v1/instance/extended_description")).status == 404
    await found_coop(db, api_config, clock, ["ada"])
    described = await (await api.get("/api/v1/instance/extended_description")).json()
    validate(described, "ExtendedDescription")
    assert 'id="clause-1"' in described["content"]
    terms = await (await api.get("/api/v1/instance/terms_of_service")).json()
    validate(terms, "TermsOfService")
    assert terms["effective"] is True and terms["content"] == described["content"]
    assert terms["effective_date"] == clock.now().date().isoformat()
