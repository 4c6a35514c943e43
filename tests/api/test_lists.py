"""Lists, their members, exclusive lists in the home feed, and read markers."""

from __future__ import annotations

from typing import Any

from server.db import Database
from server.lists import queries as lists_q
from server.statuses import service as statuses
from server.statuses.compose import Draft
from server.accounts import queries as accounts_q
from server.timeline import queries as timeline_q
from tests.api.test_relations import post
from tests.openapi import validate, validate_list


async def test_list_crud_and_members(api: Any, member: Any, db: Database) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    created = await post(api, ada, "/api/v1/lists", title="Friends", replies_policy="followed")
    validate(created, "List")
    assert created["replies_policy"] == "followed" and created["exclusive"] is False
    path = f"/api/v1/lists/{created['id']}"
    shown = await api.get(path, headers=ada.headers)
    assert shown.status == 200 and await shown.json() == created
    resp = await api.put(path, json={"title": "Close friends", "exclusive": True},
                         headers=ada.headers)
    changed = await resp.json()
    assert changed["title"] == "Close friends" and changed["exclusive"] is True
    assert changed["replies_policy"] == "followed"
    await post(api, ada, f"/api/v1/accounts/{bob.user.account_id}/follow")
    resp = await api.post(f"{path}/accounts", json={
        "account_ids": [str(bob.user.account_id), str(cy.user.account_id)]}, headers=ada.headers)
    assert resp.status == 422 and "account_ids" in (await resp.json())["error"]
    assert await (await api.get(f"{path}/accounts", headers=ada.headers)).json() == []
    await post(api, ada, f"{path}/accounts", account_ids=[str(bob.user.account_id)])
    members = await (await api.get(f"{path}/accounts", headers=ada.headers)).json()
    validate_list(members, "Account")
    assert [m["username"] for m in members] == ["bob"]
    on = await (await api.get(f"/api/v1/accounts/{bob.user.account_id}/lists",
                              headers=ada.headers)).json()
    assert [entry["id"] for entry in on] == [created["id"]]
    async with db.acquire() as conn:
        memberships = await lists_q.list_ids_containing(conn, author_id=bob.user.account_id)
        assert [m.list_id for m in memberships] == [int(created["id"])]
        assert memberships[0].exclusive
        assert await lists_q.list_member_ids(conn, list_id=int(created["id"])) == [
            bob.user.account_id]
    assert (await api.get(path, headers=bob.headers)).status == 404
    resp = await api.post("/api/v1/lists", json={"title": " "}, headers=ada.headers)
    assert resp.status == 422 and "Title" in (await resp.json())["error"]
    resp = await api.post("/api/v1/lists", json={"title": "x", "replies_policy": "all"},
                          headers=ada.headers)
    assert resp.status == 422 and "replies_policy" in (await resp.json())["error"]
    await api.delete(f"{path}/accounts", json={"account_ids": [str(bob.user.account_id)]},
                     headers=ada.headers)
    assert await (await api.get(f"{path}/accounts", headers=ada.headers)).json() == []
    assert (await api.delete(path, headers=ada.headers)).status == 200
    assert await (await api.get("/api/v1/lists", headers=ada.headers)).json() == []


async def test_exclusive_list_keeps_posts_out_of_home(api: Any, member: Any, db: Database,
                                                      api_config: Any, clock: Any,
                                                      worker: Any) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    for target in (bob, cy):
        await post(api, ada, f"/api/v1/accounts/{target.user.account_id}/follow")
    for title, exclusive, who in (("Only bob", True, bob), ("Cy too", False, cy)):
        made = await post(api, ada, "/api/v1/lists", title=title, exclusive=exclusive)
        await post(api, ada, f"/api/v1/lists/{made['id']}/accounts",
                   account_ids=[str(who.user.account_id)])
    posted = {}
    async with db.transaction() as conn:
        for who in (bob, cy):
            author = await accounts_q.get_account(conn, account_id=who.user.account_id)
            posted[who.user.account_id] = (
                await statuses.create_status(conn, config=api_config, author=author,
                                             draft=Draft(text="hello"), now=clock.now())).id
    await worker(worker_config=api_config).run_until_idle()
    async with db.acquire() as conn:
        feed = await timeline_q.list_home_timeline(conn, account_id=ada.user.account_id,
                                                   max_id=None, since_id=None, min_id=None,
                                                   limit=40, now=clock.now())
        bob_feed = await timeline_q.list_home_timeline(conn, account_id=bob.user.account_id,
                                                       max_id=None, since_id=None,
                                                       min_id=None, limit=40, now=clock.now())
    bob_post, cy_post = posted[bob.user.account_id], posted[cy.user.account_id]
    assert cy_post in feed and bob_post not in feed
    assert bob_post in bob_feed     # the author's own feed is unaffected


async def test_markers(api: Any, member: Any) -> None:
    ada = await member("ada")
    resp = await api.post("/api/v1/markers", json={"home": {"last_read_id": "103"},
                                                   "notifications": {"last_read_id": "7"}},
                          headers=ada.headers)
    assert resp.status == 200
    body = await resp.json()
    validate(body["home"], "Marker")
    assert body["home"]["last_read_id"] == "103" and body["home"]["version"] == 0
    await api.post("/api/v1/markers", data={"home[last_read_id]": "110"}, headers=ada.headers)
    got = await (await api.get("/api/v1/markers", params=[("timeline[]", "home")],
                               headers=ada.headers)).json()
    assert list(got) == ["home"]
    assert got["home"]["last_read_id"] == "110" and got["home"]["version"] == 1
    resp = await api.post("/api/v1/markers", json={"home": {"last_read_id": "abc"}},
                          headers=ada.headers)
    assert resp.status == 422 and "last_read_id" in (await resp.json())["error"]
