"""Filters v2 through the API: create with keywords, edit keywords in place, status filters,
expiry, scopes, bad input refused with nothing stored, and the member's streams told."""

from __future__ import annotations

import asyncio
from typing import Any

from server.accounts import queries as accounts_q
from server.db import Database
from server.statuses import service as statuses
from server.statuses.compose import Draft
from server.streaming.hub import StreamClient, StreamHub
from tests.openapi import validate, validate_list

API = "/api/v2/filters"


async def test_create_read_edit_and_delete_a_filter(api: Any, member: Any, db: Database) -> None:
    ada = await member("ada")
    resp = await api.post(API, headers=ada.headers, json={
        "title": "Spoilers", "context": ["home", "public"], "filter_action": "warn",
        "expires_in": 3600,
        "keywords_attributes": [{"keyword": "finale", "whole_word": True},
                                {"keyword": "#spoiler", "whole_word": False}]})
    assert resp.status == 200, await resp.text()
    created = await resp.json()
    validate(created, "Filter")
    assert created["context"] == ["home", "public"] and created["expires_at"] is not None
    assert sorted(k["keyword"] for k in created["keywords"]) == ["#spoiler", "finale"]
    url = f"{API}/{created['id']}"

    finale = next(k for k in created["keywords"] if k["keyword"] == "finale")
    resp = await api.put(url, headers=ada.headers, json={
        "title": "TV spoilers", "expires_in": "",
        "keywords_attributes": [{"id": finale["id"], "keyword": "season finale"},
                                {"keyword": "cliffhanger"}]})
    assert resp.status == 200, await resp.text()
    edited = await resp.json()
    assert edited["title"] == "TV spoilers" and edited["expires_at"] is None
    assert sorted(k["keyword"] for k in edited["keywords"]) == [
        "#spoiler", "cliffhanger", "season finale"]
    assert edited["context"] == ["home", "public"]          # unchanged when not sent

    listed = await (await api.get(API, headers=ada.headers)).json()
    validate_list(listed, "Filter")
    assert [f["id"] for f in listed] == [created["id"]]
    keywords = await (await api.get(f"{url}/keywords", headers=ada.headers)).json()
    validate_list(keywords, "FilterKeyword")
    spoiler = next(k for k in keywords if k["keyword"] == "#spoiler")
    resp = await api.put(f"{API}/keywords/{spoiler['id']}", headers=ada.headers,
                         json={"whole_word": True})
    assert (await resp.json())["whole_word"] is True
    assert (await api.delete(f"{API}/keywords/{spoiler['id']}", headers=ada.headers)).status == 200
    assert (await api.get(f"{API}/keywords/{spoiler['id']}", headers=ada.headers)).status == 404

    assert (await api.delete(url, headers=ada.headers)).status == 200
    assert (await api.get(url, headers=ada.headers)).status == 404
    assert await (await api.get(API, headers=ada.headers)).json() == []


async def test_status_filters_and_other_peoples_filters(api: Any, member: Any, db: Database,
                                                        api_config: Any, clock: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    async with db.transaction() as conn:
        author = await accounts_q.get_account(conn, account_id=bea.user.account_id)
        status = await statuses.create_status(conn, config=api_config, author=author,
                                              draft=Draft(text="Something I'd rather not see"),
                                              now=clock.now())
    created = await (await api.post(API, headers=ada.headers, json={
        "title": "Hide this", "context": ["home"], "filter_action": "hide"})).json()
    resp = await api.post(f"{API}/{created['id']}/statuses", headers=ada.headers,
                          json={"status_id": str(status.id)})
    assert resp.status == 200, await resp.text()
    entry = await resp.json()
    validate(entry, "FilterStatus")
    assert entry["status_id"] == str(status.id)
    again = await api.post(f"{API}/{created['id']}/statuses", headers=ada.headers,
                           json={"status_id": str(status.id)})
    assert again.status == 422
    listed = await (await api.get(f"{API}/{created['id']}/statuses", headers=ada.headers)).json()
    validate_list(listed, "FilterStatus")
    assert listed == [entry]
    shown = await api.get(f"{API}/statuses/{entry['id']}", headers=ada.headers)
    assert shown.status == 200 and await shown.json() == entry
    # Keywords added one at a time, then read back by their own id.
    resp = await api.post(f"{API}/{created['id']}/keywords", headers=ada.headers,
                          json={"keyword": "rather", "whole_word": False})
    assert resp.status == 200, await resp.text()
    keyword = await resp.json()
    validate(keyword, "FilterKeyword")
    assert keyword["keyword"] == "rather" and keyword["whole_word"] is False
    shown = await api.get(f"{API}/keywords/{keyword['id']}", headers=ada.headers)
    assert shown.status == 200 and await shown.json() == keyword
    assert (await api.get(f"{API}/keywords/{keyword['id']}", headers=bea.headers)).status == 404
    assert (await api.get(f"{API}/statuses/{entry['id']}", headers=bea.headers)).status == 404
    # Bea cannot see, change or remove Ada's filter or its parts.
    assert (await api.get(f"{API}/{created['id']}", headers=bea.headers)).status == 404
    assert (await api.delete(f"{API}/statuses/{entry['id']}", headers=bea.headers)).status == 404
    assert (await api.delete(f"{API}/statuses/{entry['id']}", headers=ada.headers)).status == 200


async def test_bad_filters_are_refused_with_nothing_stored(api: Any, member: Any,
                                                           db: Database) -> None:
    ada = await member("ada")
    for body, field in [
        ({"title": "", "context": ["home"]}, "Title"),
        ({"title": "x", "context": []}, "Context"),
        ({"title": "x", "context": ["elsewhere"]}, "Context"),
        ({"title": "x", "context": ["home"], "filter_action": "explode"}, "filter_action"),
        ({"title": "x", "context": ["home"], "expires_in": -5}, "expires_in"),
        ({"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": " "}]}, "Keyword"),
    ]:
        resp = await api.post(API, headers=ada.headers, json=body)
        assert resp.status == 422, body
        assert field in (await resp.json())["error"]
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM filters") == 0
    read_only = await member("cy", scope="read")
    resp = await api.post(API, headers=read_only.headers, json={"title": "x", "context": ["home"]})
    assert resp.status == 403


async def test_changing_filters_tells_the_members_streams(api: Any, member: Any,
                                                          database_url: str) -> None:
    ada = await member("ada")
    from server.db import Database as Db

    other = await Db.connect(database_url, min_size=1, max_size=2)
    hub = StreamHub(other)
    await hub.start()
    try:
        stream = StreamClient(ada.user.account_id, {"user"})
        hub.add(stream)
        await api.post(API, headers=ada.headers, json={"title": "x", "context": ["home"]})
        event = await asyncio.wait_for(stream.queue.get(), timeout=5)
        assert event is not None and event.event == "filters_changed"
    finally:
        await hub.stop()
        await other.close()


async def test_filters_apply_to_timelines_warn_lists_and_hide_removes(
        api: Any, member: Any, db: Database, api_config: Any, clock: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    async with db.transaction() as conn:
        from server.follows import service as follows

        me = await accounts_q.get_account(conn, account_id=ada.user.account_id)
        her = await accounts_q.get_account(conn, account_id=bea.user.account_id)
        await follows.follow(conn, config=api_config, follower=me, target=her, now=clock.now())
        ids = {}
        for key, text in (("plain", "Lovely weather today"),
                          ("warned", "The season finale was wild"),
                          ("hidden", "Buy crypto now")):
            status = await statuses.create_status(conn, config=api_config, author=her,
                                                  draft=Draft(text=text), now=clock.now())
            ids[key] = str(status.id)
    from server.jobs.context import JobContext
    from server.jobs.registry import job_handlers
    from server.jobs.worker import Worker

    await Worker(JobContext(db=db, clock=clock, config=api_config), job_handlers()).run_until_idle()
    for title, action, keyword in (("Spoilers", "warn", "finale"), ("Scams", "hide", "crypto")):
        resp = await api.post(API, headers=ada.headers, json={
            "title": title, "context": ["home", "public"], "filter_action": action,
            "keywords_attributes": [{"keyword": keyword}]})
        assert resp.status == 200
    home = await (await api.get("/api/v1/timelines/home", headers=ada.headers)).json()
    shown = {s["id"]: s for s in home}
    assert ids["hidden"] not in shown
    assert shown[ids["plain"]]["filtered"] == []
    [result] = shown[ids["warned"]]["filtered"]
    validate(result, "FilterResult")
    assert result["filter"]["title"] == "Spoilers" and result["keyword_matches"] == ["finale"]
    # Filters are the reader's own: Bea's view of her own profile is untouched.
    own = await (await api.get(f"/api/v1/accounts/{bea.user.account_id}/statuses",
                               headers=bea.headers)).json()
    assert {s["id"] for s in own} == set(ids.values())
    # Not in the filters' contexts: the account view shows everything, unfiltered.
    profile = await (await api.get(f"/api/v1/accounts/{bea.user.account_id}/statuses",
                                   headers=ada.headers)).json()
    assert {s["id"] for s in profile} == set(ids.values())
    assert all(s["filtered"] == [] for s in profile)
