"""Account actions and the lists they build: follow, block, mute, notes, endorsements,
followers/following paging, follow requests, domain blocks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.db import Database
from tests.helpers import make_remote_account
from tests.openapi import validate, validate_list


async def post(api: Any, who: Any, path: str, **body: Any) -> Any:
    resp = await api.post(path, json=body, headers=who.headers)
    assert resp.status == 200, (path, resp.status, await resp.text())
    return await resp.json()


async def test_follow_mute_note_pin_show_in_the_relationship(api: Any, member: Any,
                                                            clock: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    b = bob.user.account_id
    rel = await post(api, ada, f"/api/v1/accounts/{b}/follow", reblogs=False, notify=True)
    validate(rel, "Relationship")
    assert rel["following"] and not rel["showing_reblogs"] and rel["notifying"]
    rel = await post(api, ada, f"/api/v1/accounts/{b}/mute", duration=3600,
                     notifications=False)
    assert rel["muting"] and not rel["muting_notifications"]
    assert rel["muting_expires_at"].startswith(
        (clock.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H"))
    rel = await post(api, ada, f"/api/v1/accounts/{b}/note", comment="met at the fair")
    assert rel["note"] == "met at the fair"
    rel = await post(api, ada, f"/api/v1/accounts/{b}/pin")
    assert rel["endorsed"]
    endorsed = await (await api.get("/api/v1/endorsements", headers=ada.headers)).json()
    assert [a["id"] for a in endorsed] == [str(b)]
    mutes = await (await api.get("/api/v1/mutes", headers=ada.headers)).json()
    validate_list(mutes, "Account")
    assert [a["id"] for a in mutes] == [str(b)]
    rel = await post(api, ada, f"/api/v1/accounts/{b}/unmute")
    rel = await post(api, ada, f"/api/v1/accounts/{b}/unpin")
    assert not rel["muting"] and not rel["endorsed"]
    rel = await post(api, ada, f"/api/v1/accounts/{b}/unfollow")
    assert not rel["following"]
    resp = await api.post(f"/api/v1/accounts/{b}/pin", headers=ada.headers)
    assert resp.status == 422   # only followed accounts can be featured
    resp = await api.post(f"/api/v1/accounts/{ada.user.account_id}/follow", headers=ada.headers)
    assert resp.status == 422 and "yourself" in (await resp.json())["error"]
    assert (await api.post("/api/v1/accounts/1/follow", headers=ada.headers)).status == 404


async def test_remote_follow_is_requested(api: Any, member: Any, db: Database,
                                          clock: Any) -> None:
    ada = await member("ada")
    alice = await make_remote_account(db, clock)
    rel = await post(api, ada, f"/api/v1/accounts/{alice.id}/follow")
    assert rel["requested"] and not rel["following"]


async def test_block_ends_follows_and_lists(api: Any, member: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    await post(api, bob, f"/api/v1/accounts/{ada.user.account_id}/follow")
    rel = await post(api, ada, f"/api/v1/accounts/{bob.user.account_id}/block")
    assert rel["blocking"] and not rel["followed_by"]
    blocks = await (await api.get("/api/v1/blocks", headers=ada.headers)).json()
    assert [a["id"] for a in blocks] == [str(bob.user.account_id)]
    rel = await post(api, ada, f"/api/v1/accounts/{bob.user.account_id}/unblock")
    assert not rel["blocking"]


async def test_followers_are_paged_with_link_headers(api: Any, member: Any,
                                                     db: Database) -> None:
    ada = await member("ada")
    fans = [await member(f"fan{i}") for i in range(3)]
    for fan in fans:
        await post(api, fan, f"/api/v1/accounts/{ada.user.account_id}/follow")
    path = f"/api/v1/accounts/{ada.user.account_id}/followers"
    resp = await api.get(path, params={"limit": "2"})
    page = await resp.json()
    validate_list(page, "Account")
    assert [a["username"] for a in page] == ["fan2", "fan1"]
    assert 'rel="next"' in resp.headers["Link"] and 'rel="prev"' in resp.headers["Link"]
    next_url = resp.headers["Link"].split(">")[0].lstrip("<")
    max_id = next_url.split("max_id=")[1]
    rest = await (await api.get(path, params={"limit": "2", "max_id": max_id})).json()
    assert [a["username"] for a in rest] == ["fan0"]
    following = await (await api.get(
        f"/api/v1/accounts/{fans[0].user.account_id}/following")).json()
    assert [a["username"] for a in following] == ["ada"]
    rel = await post(api, ada, f"/api/v1/accounts/{fans[0].user.account_id}/remove_from_followers")
    assert not rel["followed_by"]
    async with db.transaction() as conn:
        await conn.execute("UPDATE users SET hide_collections = true WHERE account_id = $1",
                           ada.user.account_id)
    assert await (await api.get(path)).json() == []
    assert len(await (await api.get(path, headers=ada.headers)).json()) == 2


async def test_follow_requests_authorize_and_reject(api: Any, member: Any,
                                                    db: Database) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    async with db.transaction() as conn:
        await conn.execute("UPDATE accounts SET locked = true WHERE id = $1", ada.user.account_id)
    for who in (bob, cy):
        rel = await post(api, who, f"/api/v1/accounts/{ada.user.account_id}/follow")
        assert rel["requested"]
    waiting = await (await api.get("/api/v1/follow_requests", headers=ada.headers)).json()
    assert {a["username"] for a in waiting} == {"bob", "cy"}
    rel = await post(api, ada, f"/api/v1/follow_requests/{bob.user.account_id}/authorize")
    validate(rel, "Relationship")
    assert rel["followed_by"]
    rel = await post(api, ada, f"/api/v1/follow_requests/{cy.user.account_id}/reject")
    assert not rel["followed_by"] and not rel["requested_by"]
    resp = await api.post(f"/api/v1/follow_requests/{cy.user.account_id}/reject",
                          headers=ada.headers)
    assert resp.status == 404


async def test_domain_blocks(api: Any, member: Any, db: Database, clock: Any) -> None:
    ada = await member("ada")
    alice = await make_remote_account(db, clock, domain="Noisy.Example")
    assert await post(api, ada, "/api/v1/domain_blocks", domain="noisy.example") == {}
    listed = await api.get("/api/v1/domain_blocks", headers=ada.headers)
    assert await listed.json() == ["noisy.example"]
    rels = await (await api.get("/api/v1/accounts/relationships", params={"id[]": str(alice.id)},
                                headers=ada.headers)).json()
    assert rels[0]["domain_blocking"]
    resp = await api.post("/api/v1/domain_blocks", json={"domain": "not a domain"},
                          headers=ada.headers)
    assert resp.status == 422 and "domain" in (await resp.json())["error"]
    resp = await api.delete("/api/v1/domain_blocks", json={"domain": "noisy.example"},
                            headers=ada.headers)
    assert resp.status == 200
    assert await (await api.get("/api/v1/domain_blocks", headers=ada.headers)).json() == []
