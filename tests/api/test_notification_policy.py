"""Filtering notifications: the policy decides per kind of sender; filtered notifications
wait in one request per sender, to be accepted (they join the lists, the sender is let
through from then on) or dismissed (they go)."""

from __future__ import annotations

from typing import Any

from server.db import Database
from tests.api.test_relations import post
from tests.openapi import validate, validate_list


async def _policy(api: Any, who: Any, **changes: str) -> Any:
    if changes:
        resp = await api.patch("/api/v2/notifications/policy", json=changes, headers=who.headers)
    else:
        resp = await api.get("/api/v2/notifications/policy", headers=who.headers)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    validate(body, "NotificationPolicy")
    return body


async def _types(api: Any, who: Any, **params: str) -> list[str]:
    body = await (await api.get("/api/v1/notifications", params=params,
                                headers=who.headers)).json()
    return [n["type"] for n in body]


async def test_defaults_and_bad_values(api: Any, member: Any) -> None:
    ada = await member("ada")
    assert await _policy(api, ada) == {
        "for_not_following": "accept", "for_not_followers": "accept",
        "for_new_accounts": "accept", "for_private_mentions": "filter",
        "for_limited_accounts": "filter",
        "summary": {"pending_requests_count": 0, "pending_notifications_count": 0}}
    resp = await api.patch("/api/v2/notifications/policy", json={"for_new_accounts": "maybe"},
                           headers=ada.headers)
    assert resp.status == 422 and "for_new_accounts" in (await resp.json())["error"]
    changed = await _policy(api, ada, for_new_accounts="drop")
    assert changed["for_new_accounts"] == "drop" and changed["for_not_following"] == "accept"
    assert (await api.get("/api/v2/notifications/policy")).status == 401


async def test_filtered_then_accepted(api: Any, member: Any) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    await post(api, ada, f"/api/v1/accounts/{cy.user.account_id}/follow")
    await _policy(api, ada, for_not_following="filter")
    status = await post(api, ada, "/api/v1/statuses", status="hello")
    for who in (bob, cy):
        await post(api, who, f"/api/v1/statuses/{status['id']}/favourite")
    # cy is followed: shown; bob is not: filtered, out of both lists and their counts.
    assert await _types(api, ada) == ["favourite"]
    v2 = await (await api.get("/api/v2/notifications", headers=ada.headers)).json()
    assert [g["sample_account_ids"] for g in v2["notification_groups"]] == \
        [[str(cy.user.account_id)]]
    assert len(await _types(api, ada, include_filtered="true")) == 2
    policy = await _policy(api, ada)
    assert policy["summary"] == {"pending_requests_count": 1, "pending_notifications_count": 1}

    requests = await (await api.get("/api/v1/notifications/requests", headers=ada.headers)).json()
    validate_list(requests, "NotificationRequest")
    [req] = requests
    assert req["account"]["username"] == "bob" and req["notifications_count"] == "1"
    assert req["last_status"]["id"] == status["id"]
    one = await (await api.get(f"/api/v1/notifications/requests/{req['id']}",
                               headers=ada.headers)).json()
    assert one["id"] == req["id"]

    assert (await api.post(f"/api/v1/notifications/requests/{req['id']}/accept",
                           headers=ada.headers)).status == 200
    assert await _types(api, ada) == ["favourite", "favourite"]
    assert await (await api.get("/api/v1/notifications/requests", headers=ada.headers)).json() == []
    assert await (await api.get("/api/v1/notifications/requests/merged",
                                headers=ada.headers)).json() == {"merged": True}
    # bob is let through from now on.
    await post(api, bob, f"/api/v1/statuses/{status['id']}/reblog")
    assert (await _types(api, ada))[0] == "reblog"
    assert (await api.post(f"/api/v1/notifications/requests/{req['id']}/accept",
                           headers=ada.headers)).status == 404


async def test_dismissed_dropped_and_private_mentions(api: Any, member: Any,
                                                      db: Database) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    # A private mention from someone ada does not follow is filtered by default.
    await post(api, bob, "/api/v1/statuses", status="@ada psst", visibility="direct")
    assert await _types(api, ada) == []
    [req] = await (await api.get("/api/v1/notifications/requests", headers=ada.headers)).json()
    resp = await api.post("/api/v1/notifications/requests/dismiss", json={"id": [req["id"]]},
                          headers=ada.headers)
    assert resp.status == 200
    assert await _types(api, ada, include_filtered="true") == []
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM notification_requests") == 0
    # Dropped: not made at all.
    await _policy(api, ada, for_new_accounts="drop")
    await post(api, cy, f"/api/v1/accounts/{ada.user.account_id}/follow")
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM notifications WHERE account_id = $1",
                                   ada.user.account_id) == 0


async def test_staff_are_never_filtered(api: Any, member: Any) -> None:
    ada, mod = await member("ada"), await member("moira", role="moderator")
    await _policy(api, ada, for_not_following="filter", for_new_accounts="drop")
    await post(api, mod, f"/api/v1/accounts/{ada.user.account_id}/follow")
    assert await _types(api, ada) == ["follow"]
