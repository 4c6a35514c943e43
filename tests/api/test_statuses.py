"""POST /api/v1/statuses and the status endpoints, checked against the OpenAPI schemas."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.clock import FrozenClock
from server.db import Database
from tests.openapi import validate, validate_list


async def post(api: Any, who: Any, **data: Any) -> Any:
    return await api.post("/api/v1/statuses", json=data, headers=who.headers)


async def test_post_read_and_delete(api: Any, member: Any, db: Database) -> None:
    ada = await member("ada")
    resp = await post(api, ada, status="Hello #Coop @nobody", spoiler_text="", language="en")
    assert resp.status == 200, await resp.text()
    status = await resp.json()
    validate(status, "Status")
    assert status["tags"] == [{"name": "coop", "url": "http://ch.test/tags/coop"}]
    assert status["application"]["name"] == "Test client"
    assert status["pinned"] is False and status["favourited"] is False
    assert status["account"]["username"] == "ada"
    got = await api.get(f"/api/v1/statuses/{status['id']}")
    assert got.status == 200
    anonymous = await got.json()
    validate(anonymous, "Status")
    assert "favourited" not in anonymous and "application" not in anonymous
    gone = await api.delete(f"/api/v1/statuses/{status['id']}", headers=ada.headers)
    assert gone.status == 200
    body = await gone.json()
    assert body["text"] == "Hello #Coop @nobody"
    assert (await api.get(f"/api/v1/statuses/{status['id']}")).status == 404


async def test_poll_reply_context_and_actions(api: Any, member: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    first = await (await post(api, ada, status="Which?", poll={
        "options": ["tea", "coffee"], "expires_in": 3600, "multiple": False})).json()
    validate(first, "Status")
    assert first["poll"]["options"] == [{"title": "tea", "votes_count": 0},
                                        {"title": "coffee", "votes_count": 0}]
    assert first["poll"]["voted"] is True
    reply = await (await post(api, bea, status="tea!", in_reply_to_id=first["id"])).json()
    assert reply["in_reply_to_id"] == first["id"]
    assert reply["mentions"][0]["acct"] == "ada"
    ctx = await (await api.get(f"/api/v1/statuses/{first['id']}/context")).json()
    validate(ctx, "Context")
    assert [s["id"] for s in ctx["descendants"]] == [reply["id"]]
    ctx = await (await api.get(f"/api/v1/statuses/{reply['id']}/context", headers=ada.headers)).json()
    assert [s["id"] for s in ctx["ancestors"]] == [first["id"]]

    for action, flag in (("favourite", "favourited"), ("bookmark", "bookmarked"),
                         ("mute", "muted")):
        resp = await api.post(f"/api/v1/statuses/{first['id']}/{action}", headers=bea.headers)
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        validate(body, "Status")
        assert body[flag] is True
    boosted = await api.post(f"/api/v1/statuses/{first['id']}/reblog", headers=bea.headers)
    boost = await boosted.json()
    validate(boost, "Status")
    assert boost["reblog"]["id"] == first["id"] and boost["reblog"]["reblogged"] is True
    assert boost["reblog"]["favourites_count"] == 1
    who = await (await api.get(f"/api/v1/statuses/{first['id']}/favourited_by")).json()
    assert [a["username"] for a in who] == ["bea"]
    who = await (await api.get(f"/api/v1/statuses/{first['id']}/reblogged_by")).json()
    assert [a["username"] for a in who] == ["bea"]
    un = await (await api.post(f"/api/v1/statuses/{first['id']}/unreblog", headers=bea.headers)).json()
    assert un["reblogged"] is False and un["reblogs_count"] == 0
    un = await (await api.post(f"/api/v1/statuses/{first['id']}/unfavourite", headers=bea.headers)).json()
    assert un["favourited"] is False and un["favourites_count"] == 0
    for action, flag in (("unbookmark", "bookmarked"), ("unmute", "muted")):
        resp = await api.post(f"/api/v1/statuses/{first['id']}/{action}", headers=bea.headers)
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        validate(body, "Status")
        assert body[flag] is False
    assert await (await api.get("/api/v1/bookmarks", headers=bea.headers)).json() == []


async def test_pins_own_statuses_up_to_five(api: Any, member: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    ids = [(await (await post(api, ada, status=f"post {i}")).json())["id"] for i in range(6)]
    for status_id in ids[:5]:
        resp = await api.post(f"/api/v1/statuses/{status_id}/pin", headers=ada.headers)
        assert resp.status == 200 and (await resp.json())["pinned"] is True
    sixth = await api.post(f"/api/v1/statuses/{ids[5]}/pin", headers=ada.headers)
    assert sixth.status == 422 and "error" in await sixth.json()
    foreign = await api.post(f"/api/v1/statuses/{ids[0]}/pin", headers=bea.headers)
    assert foreign.status in (403, 404)
    unpinned = await api.post(f"/api/v1/statuses/{ids[0]}/unpin", headers=ada.headers)
    assert (await unpinned.json())["pinned"] is False


async def test_edit_history_and_source(api: Any, member: Any, clock: FrozenClock) -> None:
    ada = await member("ada")
    status = await (await post(api, ada, status="frist")).json()
    clock.advance(timedelta(minutes=1))
    edited = await api.put(f"/api/v1/statuses/{status['id']}", json={"status": "first"},
                           headers=ada.headers)
    assert edited.status == 200, await edited.text()
    body = await edited.json()
    validate(body, "Status")
    assert body["edited_at"] is not None and "first" in body["content"]
    history = await (await api.get(f"/api/v1/statuses/{status['id']}/history")).json()
    validate_list(history, "StatusEdit")
    assert ["frist" in history[0]["content"], "first" in history[1]["content"]] == [True, True]
    source = await (await api.get(f"/api/v1/statuses/{status['id']}/source", headers=ada.headers)).json()
    validate(source, "StatusSource")
    assert source["text"] == "first"


async def test_idempotency_key_posts_once(api: Any, member: Any, db: Database) -> None:
    ada = await member("ada")
    headers = {**ada.headers, "Idempotency-Key": "abc"}
    first = await (await api.post("/api/v1/statuses", json={"status": "once"}, headers=headers)).json()
    again = await (await api.post("/api/v1/statuses", json={"status": "once"}, headers=headers)).json()
    assert first["id"] == again["id"]
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM statuses") == 1
