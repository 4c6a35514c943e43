"""Who may quote a post, as Mastodon 4.5's client API sets it: `quote_approval_policy` on
posting and editing (public, followers, nobody), `PUT /api/v1/statuses/:id/interaction_policy`
to change it, and the Status entity's `quote_approval` answering each reader, on single
statuses and on the home timeline; posting a quote obeys it."""

from __future__ import annotations

from typing import Any

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from tests.api.test_quote_entities import status
from tests.api.test_status_entity_cache import home
from tests.api.test_timelines import follow, post

FOLLOWERS = {"automatic": ["followers"], "manual": []}


async def approval(api: Any, status_id: str, who: Any | None) -> dict[str, Any]:
    return (await status(api, status_id, who))["quote_approval"]


async def set_policy(api: Any, status_id: str, who: Any, value: str | None) -> Any:
    body = {} if value is None else {"quote_approval_policy": value}
    return await api.put(f"/api/v1/statuses/{status_id}/interaction_policy", json=body,
                         headers=who.headers)


async def test_a_followers_policy_answers_each_reader(api: Any, member: Any, db: Database,
                                                      api_config: Config, clock: FrozenClock,
                                                      worker: Any) -> None:
    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    await follow(db, api_config, clock, bea, ada)
    await worker().run_until_idle()
    only_followers = await post(api, ada, status="for those who follow me",
                                quote_approval_policy="followers")
    await worker().run_until_idle()
    assert only_followers["quote_approval"] == {**FOLLOWERS, "current_user": "automatic"}
    assert await approval(api, only_followers["id"], bea) == {**FOLLOWERS,
                                                              "current_user": "automatic"}
    assert (await approval(api, only_followers["id"], cy))["current_user"] == "denied"
    assert (await approval(api, only_followers["id"], None))["current_user"] == "denied"
    # on the home timeline, whose pages are otherwise built from parts shared by readers
    shown = [s for s in await home(api, bea) if s["id"] == only_followers["id"]]
    assert shown[0]["quote_approval"]["current_user"] == "automatic"
    await follow(db, api_config, clock, cy, ada)
    await worker().run_until_idle()
    assert (await approval(api, only_followers["id"], cy))["current_user"] == "automatic"
    shown = [s for s in await home(api, cy) if s["id"] == only_followers["id"]]
    assert shown[0]["quote_approval"]["current_user"] == "automatic"

    # posting a quote obeys it: a follower may, anyone else may not, and nothing is stored
    dan = await member("dan")
    refused = await api.post("/api/v1/statuses", json={
        "status": "mine now", "quoted_status_id": only_followers["id"]}, headers=dan.headers)
    assert refused.status == 422 and "quoted" in (await refused.json())["error"]
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM statuses WHERE account_id = $1",
                                   dan.user.account_id) == 0
    quoting = await post(api, bea, status="agreed", quoted_status_id=only_followers["id"])
    assert quoting["quote"]["state"] == "accepted"


async def test_the_author_changes_who_may_quote(api: Any, member: Any, db: Database,
                                                api_config: Config, clock: FrozenClock,
                                                worker: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    hello = await post(api, ada, status="hello")
    assert hello["quote_approval"] == {"automatic": ["public"], "manual": [],
                                       "current_user": "automatic"}
    resp = await set_policy(api, hello["id"], ada, "nobody")
    assert resp.status == 200
    changed = await resp.json()
    assert changed["id"] == hello["id"] and changed["edited_at"] is None
    assert changed["quote_approval"] == {"automatic": [], "manual": [],
                                         "current_user": "automatic"}   # her own
    assert (await approval(api, hello["id"], bea))["current_user"] == "denied"
    refused = await api.post("/api/v1/statuses", json={
        "status": "quoting", "quoted_status_id": hello["id"]}, headers=bea.headers)
    assert refused.status == 422
    # none given: public again; an edit may choose too, and its history is the text's alone
    assert (await (await set_policy(api, hello["id"], ada, None)).json())["quote_approval"][
        "automatic"] == ["public"]
    edited = await api.put(f"/api/v1/statuses/{hello['id']}", json={
        "status": "hello again", "quote_approval_policy": "followers"}, headers=ada.headers)
    assert edited.status == 200
    assert (await edited.json())["quote_approval"]["automatic"] == ["followers"]
    assert (await approval(api, hello["id"], bea))["current_user"] == "denied"

    # not hers: refused, and a bad choice names the field
    assert (await set_policy(api, hello["id"], bea, "public")).status == 403
    bad = await set_policy(api, hello["id"], ada, "friends")
    assert bad.status == 422 and "quote_approval_policy" in (await bad.json())["error"]
    assert (await approval(api, hello["id"], ada))["automatic"] == ["followers"]
    assert (await set_policy(api, "123456789", ada, "public")).status == 404
    posted = await api.post("/api/v1/statuses", json={
        "status": "x", "quote_approval_policy": "everyone"}, headers=ada.headers)
    assert posted.status == 422 and "quote_approval_policy" in (await posted.json())["error"]

    # a followers-only post is quoted by its author alone, whatever was chosen
    private = await post(api, ada, status="inner circle", visibility="private",
                         quote_approval_policy="public")
    assert private["quote_approval"] == {"automatic": [], "manual": [],
                                         "current_user": "automatic"}
    assert (await (await set_policy(api, private["id"], ada, "public")).json())[
        "quote_approval"]["automatic"] == []


async def test_a_members_default_applies_to_new_posts(api: Any, member: Any) -> None:
    ada = await member("ada")
    me = await (await api.get("/api/v1/accounts/verify_credentials", headers=ada.headers)).json()
    assert me["source"]["quote_policy"] == "public"
    resp = await api.patch("/api/v1/accounts/update_credentials",
                           data={"source[quote_policy]": "nobody"}, headers=ada.headers)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["source"]["quote_policy"] == "nobody"
    prefs = await (await api.get("/api/v1/preferences", headers=ada.headers)).json()
    assert prefs["posting:default:quote_policy"] == "nobody"
    quiet = await post(api, ada, status="not for quoting")
    assert quiet["quote_approval"]["automatic"] == []
    # changed back to anyone, then to "the default" (none named): her default, nobody
    assert (await (await set_policy(api, quiet["id"], ada, "public")).json())[
        "quote_approval"]["automatic"] == ["public"]
    assert (await (await set_policy(api, quiet["id"], ada, None)).json())[
        "quote_approval"]["automatic"] == []
    chosen = await post(api, ada, status="this one you may", quote_approval_policy="public")
    assert chosen["quote_approval"]["automatic"] == ["public"]
    # an edit that names no policy keeps the post's own
    edited = await api.put(f"/api/v1/statuses/{chosen['id']}", json={"status": "still yours"},
                           headers=ada.headers)
    assert (await edited.json())["quote_approval"]["automatic"] == ["public"]
    bad = await api.patch("/api/v1/accounts/update_credentials",
                          data={"source[quote_policy]": "friends"}, headers=ada.headers)
    assert bad.status == 422 and "quote_policy" in (await bad.json())["error"]
    me = await (await api.get("/api/v1/accounts/verify_credentials", headers=ada.headers)).json()
    assert me["source"]["quote_policy"] == "nobody"
