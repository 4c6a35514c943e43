"""GET /api/v1/statuses?id[]= and GET /api/v1/accounts?id[]= (Mastodon 4.3): several at once,
in the order asked, only what the caller may see."""

from __future__ import annotations

from typing import Any

from tests.api.test_relations import post
from tests.openapi import validate_list


async def test_many_statuses_and_accounts(api: Any, member: Any) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    public = await post(api, ada, "/api/v1/statuses", status="for all")
    private = await post(api, ada, "/api/v1/statuses", status="followers", visibility="private")
    await post(api, bob, f"/api/v1/accounts/{ada.user.account_id}/follow")
    query = [("id[]", private["id"]), ("id[]", public["id"]), ("id[]", "999"), ("id[]", "x")]
    as_bob = await (await api.get("/api/v1/statuses", params=query, headers=bob.headers)).json()
    validate_list(as_bob, "Status")
    assert [s["id"] for s in as_bob] == [private["id"], public["id"]]
    as_cy = await (await api.get("/api/v1/statuses", params=query, headers=cy.headers)).json()
    assert [s["id"] for s in as_cy] == [public["id"]]
    anonymous = await (await api.get("/api/v1/statuses", params=query)).json()
    assert [s["id"] for s in anonymous] == [public["id"]]

    ids = [("id[]", str(cy.user.account_id)), ("id[]", str(ada.user.account_id)),
           ("id[]", "12345")]
    accounts = await (await api.get("/api/v1/accounts", params=ids)).json()
    validate_list(accounts, "Account")
    assert [a["username"] for a in accounts] == ["cy", "ada"]
