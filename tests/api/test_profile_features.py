"""What a profile features, through the names Mastodon 4.3 and 4.4 clients use: endorsed
accounts (/pin and /endorse, an account's public endorsements), featured hashtags addressed by
name, featured-tag suggestions, and the v1 form of the follow suggestions."""

from __future__ import annotations

from typing import Any

from server.accounts import queries as accounts_q
from server.db import Database
from server.statuses import service as statuses
from server.statuses.compose import Draft
from tests.api.test_relations import post
from tests.openapi import validate, validate_list


async def _say(db: Database, config: Any, clock: Any, account_id: int, text: str) -> None:
    async with db.transaction() as conn:
        author = await accounts_q.get_account(conn, account_id=account_id)
        await statuses.create_status(conn, config=config, author=author, draft=Draft(text=text),
                                     now=clock.now())


async def test_endorse_names_and_the_public_list(api: Any, member: Any) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    b, c = bob.user.account_id, cy.user.account_id
    for target in (b, c):
        await post(api, ada, f"/api/v1/accounts/{target}/follow")
    rel = await post(api, ada, f"/api/v1/accounts/{b}/endorse")
    validate(rel, "Relationship")
    assert rel["endorsed"] is True
    await post(api, ada, f"/api/v1/accounts/{c}/pin")   # the 4.3 name, the same rows
    listed = await api.get(f"/api/v1/accounts/{ada.user.account_id}/endorsements")
    assert listed.status == 200   # public, as the profile it decorates
    body = await listed.json()
    validate_list(body, "Account")
    assert [a["id"] for a in body] == [str(c), str(b)]
    page = await api.get(f"/api/v1/accounts/{ada.user.account_id}/endorsements",
                         params={"limit": "1"})
    assert [a["id"] for a in await page.json()] == [str(c)]
    assert 'rel="next"' in page.headers["Link"]
    rel = await post(api, ada, f"/api/v1/accounts/{b}/unendorse")
    assert rel["endorsed"] is False
    mine = await (await api.get("/api/v1/endorsements", headers=ada.headers)).json()
    assert [a["id"] for a in mine] == [str(c)]
    assert (await api.get("/api/v1/accounts/1/endorsements")).status == 404
    assert (await api.post(f"/api/v1/accounts/{b}/endorse")).status == 401


async def test_feature_and_unfeature_a_tag_by_name(api: Any, member: Any, db: Database,
                                                  api_config: Any, clock: Any) -> None:
    ada = await member("ada")
    await _say(db, api_config, clock, ada.user.account_id, "Singing today #Choir")
    resp = await api.post("/api/v1/tags/choir/feature", headers=ada.headers)
    assert resp.status == 200, await resp.text()
    tag = await resp.json()
    validate(tag, "Tag")
    assert tag["name"] == "Choir" and tag["featuring"] is True and tag["id"]
    featured = await (await api.get("/api/v1/featured_tags", headers=ada.headers)).json()
    assert [f["name"] for f in featured] == ["Choir"]
    again = await api.post("/api/v1/tags/choir/feature", headers=ada.headers)
    assert again.status == 200
    assert len(await (await api.get("/api/v1/featured_tags", headers=ada.headers)).json()) == 1
    resp = await api.post("/api/v1/tags/CHOIR/unfeature", headers=ada.headers)
    tag = await resp.json()
    validate(tag, "Tag")
    assert tag["featuring"] is False
    assert await (await api.get("/api/v1/featured_tags", headers=ada.headers)).json() == []
    # never used before: featuring makes the tag
    fresh = await (await api.post("/api/v1/tags/brandnew/feature", headers=ada.headers)).json()
    assert fresh["id"] and fresh["featuring"] is True
    assert (await api.post("/api/v1/tags/not-a-tag!/feature",
                           headers=ada.headers)).status == 404
    assert (await api.post("/api/v1/tags/choir/feature")).status == 401


async def test_featured_tag_suggestions_are_the_most_used_not_featured(
        api: Any, member: Any, db: Database, api_config: Any, clock: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    for text in ("#knitting and #choir", "#knitting again", "#gardening", "#knitting"):
        await _say(db, api_config, clock, ada.user.account_id, text)
    await _say(db, api_config, clock, bob.user.account_id, "#chess #chess")
    await api.post("/api/v1/tags/gardening/feature", headers=ada.headers)
    resp = await api.get("/api/v1/featured_tags/suggestions", headers=ada.headers)
    assert resp.status == 200
    body = await resp.json()
    validate_list(body, "Tag")
    assert [t["name"] for t in body] == ["knitting", "choir"]
    assert all(t["featuring"] is False for t in body)
    assert (await api.get("/api/v1/featured_tags/suggestions")).status == 401


async def test_v1_suggestions_are_the_v2_accounts(api: Any, member: Any) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    await post(api, ada, f"/api/v1/accounts/{bob.user.account_id}/follow")
    await post(api, bob, f"/api/v1/accounts/{cy.user.account_id}/follow")
    v1 = await (await api.get("/api/v1/suggestions", headers=ada.headers)).json()
    validate_list(v1, "Account")
    v2 = await (await api.get("/api/v2/suggestions", headers=ada.headers)).json()
    assert [a["id"] for a in v1] == [s["account"]["id"] for s in v2]
    assert v1[0]["id"] == str(cy.user.account_id)
    limited = await (await api.get("/api/v1/suggestions", params={"limit": "1"},
                                   headers=ada.headers)).json()
    assert len(limited) == 1
    assert (await api.get("/api/v1/suggestions")).status == 401


async def test_identity_proofs_are_an_empty_list(api: Any, member: Any) -> None:
    ada = await member("ada")
    path = f"/api/v1/accounts/{ada.user.account_id}/identity_proofs"
    resp = await api.get(path, headers=ada.headers)
    assert resp.status == 200 and await resp.json() == []
    assert (await api.get(path)).status == 401
    assert (await api.get("/api/v1/accounts/1/identity_proofs",
                          headers=ada.headers)).status == 404
