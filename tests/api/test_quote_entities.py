"""The Status entity's quote fields, as Mastodon 4.5 gives them: `quotes_count` (accepted
quotes of the post), `quote` (what it quotes, as the reader stands to it: a Quote with the
quoted post one level deep, whose own quote is a ShallowQuote), and `quote_approval` (who may
quote it, and the reader's own answer). Checked against the OpenAPI description, on single
statuses and on the home timeline (whose pages are otherwise built from kept parts)."""

from __future__ import annotations

from typing import Any

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from tests.api.test_timelines import follow, post
from tests.openapi import validate, validate_list


async def status(api: Any, status_id: str, who: Any | None) -> dict[str, Any]:
    resp = await api.get(f"/api/v1/statuses/{status_id}",
                         headers=who.headers if who is not None else {})
    assert resp.status == 200, await resp.text()
    body = dict(await resp.json())
    validate(body, "Status")
    return body


async def test_a_quote_as_its_readers_see_it(api: Any, member: Any, db: Database,
                                             api_config: Config, clock: FrozenClock,
                                             worker: Any) -> None:
    ada, bea, cy, dan = (await member("ada"), await member("bea"), await member("cy"),
                         await member("dan"))
    original = await post(api, ada, status="the original")
    quoting = await post(api, bea, status="so true", quoted_status_id=original["id"])
    again = await post(api, dan, status="quoting a quote", quoted_status_id=quoting["id"])
    await worker().run_until_idle()

    seen = await status(api, quoting["id"], cy)
    assert list(seen).index("quotes_count") == list(seen).index("favourites_count") + 1
    keys = list(seen)
    assert keys[keys.index("emojis") + 1:] == ["quote", "card", "poll", "quote_approval"]
    assert seen["quote"]["state"] == "accepted"
    shown = seen["quote"]["quoted_status"]
    assert shown["id"] == original["id"] and shown["quote"] is None
    assert shown["quotes_count"] == 1 and seen["quotes_count"] == 1   # dan's quote of it
    # one level deep: the quoted post's own quote is named, not shown
    deep = (await status(api, again["id"], cy))["quote"]["quoted_status"]
    assert deep["id"] == quoting["id"]
    assert deep["quote"] == {"state": "accepted", "quoted_status_id": original["id"]}

    # who may quote: anyone signed in, automatically; the anonymous reader is denied
    assert shown["quote_approval"] == {"automatic": ["public"], "manual": [],
                                       "current_user": "automatic"}
    anonymous = await status(api, quoting["id"], None)
    assert anonymous["quote"]["state"] == "accepted"
    assert anonymous["quote_approval"]["current_user"] == "denied"
    private = await post(api, ada, status="for followers", visibility="private")
    assert (await status(api, private["id"], ada))["quote_approval"] == {
        "automatic": [], "manual": [], "current_user": "automatic"}   # her own
    await follow(db, api_config, clock, cy, ada)
    assert (await status(api, private["id"], cy))["quote_approval"]["current_user"] == "denied"

    # the reader keeps the quoted author away: muted, the post is still given; blocked, not
    assert (await api.post(f"/api/v1/accounts/{ada.user.account_id}/mute",
                           headers=cy.headers)).status == 200
    muted = (await status(api, quoting["id"], cy))["quote"]
    assert muted["state"] == "muted_account" and muted["quoted_status"]["id"] == original["id"]
    assert (await api.post(f"/api/v1/accounts/{ada.user.account_id}/block",
                           headers=cy.headers)).status == 200
    assert (await status(api, quoting["id"], cy))["quote"] == {
        "state": "blocked_account", "quoted_status": None}
    # a reader the quoted author blocks may not see it
    assert (await api.post(f"/api/v1/accounts/{dan.user.account_id}/block",
                           headers=ada.headers)).status == 200
    assert (await status(api, quoting["id"], dan))["quote"] == {
        "state": "unauthorized", "quoted_status": None}

    # the quoted post deleted: the quote says so, and counts no more
    assert (await api.delete(f"/api/v1/statuses/{original['id']}",
                             headers=ada.headers)).status == 200
    assert (await status(api, quoting["id"], bea))["quote"] == {
        "state": "deleted", "quoted_status": None}


async def test_home_pages_carry_the_quote_fields(api: Any, member: Any, db: Database,
                                                 api_config: Config, clock: FrozenClock,
                                                 worker: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    await follow(db, api_config, clock, bea, ada)
    await worker().run_until_idle()
    original = await post(api, ada, status="the original")
    await worker().run_until_idle()

    async def home() -> list[dict[str, Any]]:
        resp = await api.get("/api/v1/timelines/home", headers=bea.headers)
        assert resp.status == 200
        items = list(await resp.json())
        validate_list(items, "Status")
        return items

    [first] = await home()   # a page without quotes: kept parts, as JSON pieces
    assert first["quote"] is None and first["quotes_count"] == 0
    assert first["quote_approval"]["current_user"] == "automatic"
    quoting = await post(api, ada, status="me, again", quoted_status_id=original["id"])
    await worker().run_until_idle()
    top, below = await home()
    assert top["id"] == quoting["id"] and top["quote"]["quoted_status"]["id"] == original["id"]
    # the counter is the original row's: the page kept before shows the new count
    assert below["id"] == original["id"] and below["quotes_count"] == 1
    assert (await home()) == [top, below]


async def test_a_posts_quotes_and_taking_one_back(api: Any, member: Any, db: Database,
                                                  worker: Any) -> None:
    ada, bea, cy, dan = (await member("ada"), await member("bea"), await member("cy"),
                         await member("dan"))
    original = await post(api, ada, status="the original")
    first = await post(api, bea, status="quote one", quoted_status_id=original["id"])
    second = await post(api, cy, status="quote two", quoted_status_id=original["id"])
    await worker().run_until_idle()
    path = f"/api/v1/statuses/{original['id']}/quotes"

    resp = await api.get(path + "?limit=1", headers=dan.headers)
    assert resp.status == 200
    page = await resp.json()
    validate_list(page, "Status")
    assert [s["id"] for s in page] == [second["id"]] and "max_id=" in resp.headers["Link"]
    resp = await api.get(f"{path}?max_id={second['id']}", headers=dan.headers)
    assert [s["id"] for s in await resp.json()] == [first["id"]]
    assert (await api.get(path)).status == 401   # a signed-in reader's list

    # only the quoted author takes one back; a quote of another post is not found there
    revoke = f"{path}/{first['id']}/revoke"
    resp = await api.post(revoke, headers=bea.headers)
    assert resp.status == 403 and "error" in await resp.json()
    resp = await api.post(f"/api/v1/statuses/{second['id']}/quotes/{first['id']}/revoke",
                          headers=ada.headers)
    assert resp.status == 404
    resp = await api.post(revoke, headers=ada.headers)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    validate(body, "Status")
    assert body["id"] == first["id"]
    assert body["quote"] == {"state": "revoked", "quoted_status": None}
    assert [s["id"] for s in await (await api.get(path, headers=dan.headers)).json()] == [
        second["id"]]
    shown = await (await api.get(f"/api/v1/statuses/{original['id']}", headers=dan.headers)).json()
    assert shown["quotes_count"] == 1
    # taking it back again changes nothing
    assert (await api.post(revoke, headers=ada.headers)).status == 200


async def test_quotes_and_edits_of_quoted_posts_are_notified(api: Any, member: Any,
                                                            worker: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    original = await post(api, ada, status="the original")
    quoting = await post(api, bea, status="so true", quoted_status_id=original["id"])
    await worker().run_until_idle()

    async def notifications(who: Any) -> list[dict[str, Any]]:
        resp = await api.get("/api/v1/notifications", headers=who.headers)
        assert resp.status == 200
        items = list(await resp.json())
        validate_list(items, "Notification")
        return items

    [quoted] = await notifications(ada)
    assert quoted["type"] == "quote" and quoted["status"]["id"] == quoting["id"]
    assert quoted["account"]["id"] == str(bea.user.account_id)
    resp = await api.put(f"/api/v1/statuses/{original['id']}", json={"status": "edited"},
                         headers=ada.headers)
    assert resp.status == 200, await resp.text()
    await worker().run_until_idle()
    [edited] = await notifications(bea)
    assert edited["type"] == "quoted_update" and edited["status"]["id"] == quoting["id"]
    assert edited["account"]["id"] == str(ada.user.account_id)
    # the types are among those a reader may ask for
    resp = await api.get("/api/v1/notifications?types[]=quote", headers=ada.headers)
    assert [n["id"] for n in await resp.json()] == [quoted["id"]]
