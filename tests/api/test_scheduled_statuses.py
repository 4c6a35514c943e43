"""Scheduled statuses: made by POST /api/v1/statuses with scheduled_at; listed, shown, moved
and cancelled through /api/v1/scheduled_statuses; published once, at their (latest) time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.db import Database
from server.statuses import scheduled
from tests.api.test_media import picture, upload
from tests.openapi import validate, validate_list


async def _schedule(api: Any, who: Any, clock: Any, text: str, *, hours: float = 1,
                    **extra: Any) -> Any:
    when = clock.now() + timedelta(hours=hours)
    resp = await api.post("/api/v1/statuses", headers=who.headers,
                          json={"status": text, "scheduled_at": when.isoformat(), **extra})
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def _texts(db: Database) -> list[str]:
    async with db.acquire() as conn:
        return [r["text_source"] for r in
                await conn.fetch("SELECT text_source FROM statuses ORDER BY id")]


async def test_list_show_and_media(api: Any, member: Any, clock: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    media = await (await upload(api, ada, picture(), description="red")).json()
    first = await _schedule(api, ada, clock, "with a picture", media_ids=[media["id"]])
    validate(first, "ScheduledStatus")
    assert [m["id"] for m in first["media_attachments"]] == [media["id"]]
    assert first["params"]["media_ids"] == [media["id"]]
    second = await _schedule(api, ada, clock, "with a poll", hours=2,
                             poll={"options": ["yes", "no"], "expires_in": 3600})
    assert second["params"]["poll"]["expires_in"] == 3600
    listed = await (await api.get("/api/v1/scheduled_statuses", headers=ada.headers)).json()
    validate_list(listed, "ScheduledStatus")
    assert [s["id"] for s in listed] == [second["id"], first["id"]]
    resp = await api.get("/api/v1/scheduled_statuses", params={"limit": "1"},
                         headers=ada.headers)
    assert [s["id"] for s in await resp.json()] == [second["id"]]
    assert f"max_id={second['id']}" in resp.headers["Link"]
    shown = await (await api.get(f"/api/v1/scheduled_statuses/{first['id']}",
                                 headers=ada.headers)).json()
    assert shown == first
    # Another account sees neither the list nor the item.
    assert await (await api.get("/api/v1/scheduled_statuses", headers=bob.headers)).json() == []
    assert (await api.get(f"/api/v1/scheduled_statuses/{first['id']}",
                          headers=bob.headers)).status == 404
    assert (await api.get("/api/v1/scheduled_statuses")).status == 401


async def test_moved_later_publishes_at_the_new_time(api: Any, member: Any, db: Database,
                                                      clock: Any, worker: Any) -> None:
    ada = await member("ada")
    made = await _schedule(api, ada, clock, "moved")
    later = clock.now() + timedelta(hours=3)
    resp = await api.put(f"/api/v1/scheduled_statuses/{made['id']}", headers=ada.headers,
                         json={"scheduled_at": later.isoformat()})
    assert resp.status == 200, await resp.text()
    moved = await resp.json()
    validate(moved, "ScheduledStatus")
    assert moved["scheduled_at"].startswith(later.strftime("%Y-%m-%dT%H:%M"))
    clock.advance(timedelta(hours=1, seconds=1))
    await worker().run_until_idle()
    assert await _texts(db) == []          # the old time's job leaves it waiting
    clock.advance(timedelta(hours=2))
    await worker().run_until_idle()
    assert await _texts(db) == ["moved"]   # published once, at the new time
    assert (await api.get(f"/api/v1/scheduled_statuses/{made['id']}",
                          headers=ada.headers)).status == 404


async def test_cancelled_is_never_published(api: Any, member: Any, db: Database, clock: Any,
                                            worker: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    made = await _schedule(api, ada, clock, "cancelled")
    assert (await api.delete(f"/api/v1/scheduled_statuses/{made['id']}",
                             headers=bob.headers)).status == 404
    resp = await api.delete(f"/api/v1/scheduled_statuses/{made['id']}", headers=ada.headers)
    assert resp.status == 200 and await resp.json() == {}
    clock.advance(timedelta(hours=2))
    await worker().run_until_idle()
    assert await _texts(db) == []


async def test_refusals(api: Any, member: Any, db: Database, clock: Any,
                        monkeypatch: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    made = await _schedule(api, ada, clock, "soon")
    resp = await api.put(f"/api/v1/scheduled_statuses/{made['id']}", headers=ada.headers,
                         json={"scheduled_at": (clock.now() + timedelta(minutes=1)).isoformat()})
    assert resp.status == 422 and "Scheduled at" in (await resp.json())["error"]
    # Someone else's picture cannot be scheduled, and nothing is kept.
    theirs = await (await upload(api, bob, picture())).json()
    resp = await api.post("/api/v1/statuses", headers=ada.headers, json={
        "status": "x", "media_ids": [theirs["id"]],
        "scheduled_at": (clock.now() + timedelta(hours=1)).isoformat()})
    assert resp.status == 422 and "media attachment" in (await resp.json())["error"]
    # At most DAILY_LIMIT for one day (lowered here to keep the test short).
    monkeypatch.setattr(scheduled, "DAILY_LIMIT", 2)
    await _schedule(api, ada, clock, "second", hours=1.5)
    resp = await api.post("/api/v1/statuses", headers=ada.headers, json={
        "status": "third", "scheduled_at": (clock.now() + timedelta(hours=1.7)).isoformat()})
    assert resp.status == 422 and "Scheduled at" in (await resp.json())["error"]
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM scheduled_statuses") == 2
