"""Account search, suggestions, familiar followers and featured hashtags."""

from __future__ import annotations

from typing import Any

from server.db import Database
from tests.api.test_relations import post
from tests.helpers import make_remote_account
from tests.openapi import validate, validate_list


async def test_search_by_prefix_and_following(api: Any, member: Any, db: Database,
                                              clock: Any) -> None:
    ada, bob, _ = await member("ada"), await member("bobby"), await member("bobcat")
    await make_remote_account(db, clock, "bob", "far.example")
    found = await (await api.get("/api/v1/accounts/search", params={"q": "bob"},
                                 headers=ada.headers)).json()
    validate_list(found, "Account")
    assert {a["acct"] for a in found} == {"bobby", "bobcat", "bob@far.example"}
    await post(api, ada, f"/api/v1/accounts/{bob.user.account_id}/follow")
    followed = await (await api.get("/api/v1/accounts/search",
                                    params={"q": "bob", "following": "true"},
                                    headers=ada.headers)).json()
    assert [a["acct"] for a in followed] == ["bobby"]
    exact = await (await api.get("/api/v1/accounts/search", params={"q": "@bob@far.example"},
                                 headers=ada.headers)).json()
    assert exact[0]["acct"] == "bob@far.example"
    resp = await api.get("/api/v1/accounts/search", headers=ada.headers)
    assert resp.status == 422 and "q" in (await resp.json())["error"]


async def test_suggestions_friends_of_friends_first_and_dismissal(api: Any, member: Any,
                                                                  db: Database) -> None:
    ada, bob, cy, dee = [await member(n) for n in ("ada", "bob", "cy", "dee")]
    await post(api, ada, f"/api/v1/accounts/{bob.user.account_id}/follow")
    await post(api, bob, f"/api/v1/accounts/{cy.user.account_id}/follow")
    async with db.transaction() as conn:
        await conn.execute("UPDATE accounts SET discoverable = true WHERE id = $1",
                           dee.user.account_id)
        await conn.execute("INSERT INTO account_stats (account_id, last_status_at) VALUES ($1, now())"
                           " ON CONFLICT (account_id) DO UPDATE SET last_status_at = now()",
                           dee.user.account_id)
    body = await (await api.get("/api/v2/suggestions", headers=ada.headers)).json()
    validate_list(body, "Suggestion")
    assert [s["account"]["username"] for s in body] == ["cy", "dee"]
    assert body[0]["sources"] == ["friends_of_friends"]
    resp = await api.delete(f"/api/v1/suggestions/{cy.user.account_id}", headers=ada.headers)
    assert resp.status == 200
    body = await (await api.get("/api/v2/suggestions", headers=ada.headers)).json()
    assert [s["account"]["username"] for s in body] == ["dee"]


async def test_familiar_followers(api: Any, member: Any) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    await post(api, ada, f"/api/v1/accounts/{bob.user.account_id}/follow")
    await post(api, bob, f"/api/v1/accounts/{cy.user.account_id}/follow")
    body = await (await api.get("/api/v1/accounts/familiar_followers",
                                params={"id[]": str(cy.user.account_id)},
                                headers=ada.headers)).json()
    validate_list(body, "FamiliarFollowers")
    assert [a["username"] for a in body[0]["accounts"]] == ["bob"]


async def test_featured_tags(api: Any, member: Any) -> None:
    ada = await member("ada")
    tag = await post(api, ada, "/api/v1/featured_tags", name="#Gardening")
    validate(tag, "FeaturedTag")
    assert tag["name"] == "Gardening" and tag["statuses_count"] == "0"
    public = await (await api.get(f"/api/v1/accounts/{ada.user.account_id}/featured_tags")).json()
    assert [t["name"] for t in public] == ["Gardening"]
    resp = await api.post("/api/v1/featured_tags", json={"name": "no spaces"},
                          headers=ada.headers)
    assert resp.status == 422 and "name" in (await resp.json())["error"]
    assert (await api.delete(f"/api/v1/featured_tags/{tag['id']}",
                             headers=ada.headers)).status == 200
    assert await (await api.get("/api/v1/featured_tags", headers=ada.headers)).json() == []


async def test_profile_directory(api: Any, member: Any, db: Database, clock: Any) -> None:
    from datetime import timedelta

    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    await make_remote_account(db, clock, "far", "far.example")
    await post(api, bob, "/api/v1/statuses", status="early")
    clock.advance(timedelta(minutes=5))
    await post(api, cy, "/api/v1/statuses", status="later")
    resp = await api.patch("/api/v1/accounts/update_credentials", headers=ada.headers,
                           json={"discoverable": False})
    assert resp.status == 200
    active = await (await api.get("/api/v1/directory", params={"local": "true"})).json()
    validate_list(active, "Account")
    assert [a["username"] for a in active] == ["cy", "bob"]
    everyone = await (await api.get("/api/v1/directory", params={"order": "new"})).json()
    assert {a["acct"] for a in everyone} == {"cy", "bob", "far@far.example"}
    paged = await (await api.get("/api/v1/directory",
                                 params={"local": "1", "limit": "1", "offset": "1"})).json()
    assert [a["username"] for a in paged] == ["bob"]
    # Blocked either way: not shown to each other.
    await post(api, cy, f"/api/v1/accounts/{bob.user.account_id}/block")
    seen_by_bob = await (await api.get("/api/v1/directory", params={"local": "true"},
                                       headers=bob.headers)).json()
    assert [a["username"] for a in seen_by_bob] == ["bob"]
    resp = await api.get("/api/v1/directory", params={"order": "popular"})
    assert resp.status == 422 and "order" in (await resp.json())["error"]
