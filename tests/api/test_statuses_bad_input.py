"""Bad input to the status endpoints: a 422 naming the field, 404 for what the caller may not
see, 401/403 for missing or narrow tokens, and nothing stored when refused."""

from __future__ import annotations

from typing import Any

import pytest

from server.db import Database
from server.ids import new_id


async def _count(db: Database) -> tuple[int, int, int]:
    async with db.acquire() as conn:
        return (await conn.fetchval("SELECT count(*) FROM statuses"),
                await conn.fetchval("SELECT count(*) FROM polls"),
                await conn.fetchval("SELECT count(*) FROM jobs"))


@pytest.mark.parametrize("body,field", [
    ({"status": "x" * 501}, "status"),
    ({"status": ""}, "status"),
    ({"status": "hi", "visibility": "everyone"}, "visibility"),
    ({"status": "hi", "media_ids": ["1", "2", "3", "4", "5"]}, "media_ids"),
    ({"status": "hi", "media_ids": ["abc"]}, "media_ids"),
    ({"status": "hi", "in_reply_to_id": "99999"}, "in_reply_to_id"),
    ({"status": "hi", "in_reply_to_id": "nope"}, "in_reply_to_id"),
    ({"status": "hi", "quoted_status_id": "99999"}, "quoted_status_id"),
    ({"status": "hi", "quoted_status_id": "nope"}, "quoted_status_id"),
    ({"status": "hi", "poll": {"options": ["only one"], "expires_in": 3600}}, "poll[options]"),
    ({"status": "hi", "poll": {"options": ["a", "a"], "expires_in": 3600}}, "poll[options]"),
    ({"status": "hi", "poll": {"options": ["a", "b"], "expires_in": 10}}, "poll[expires_in]"),
    ({"status": "hi", "poll": {"options": ["a", "b"]}}, "poll[expires_in]"),
    ({"status": "hi", "language": "not a language"}, "language"),
    ({"status": "hi", "scheduled_at": "tomorrow"}, "scheduled_at"),
])
async def test_refused_posts_store_nothing(api: Any, member: Any, db: Database,
                                           body: dict[str, Any], field: str) -> None:
    ada = await member("ada")
    before = await _count(db)
    resp = await api.post("/api/v1/statuses", json=body, headers=ada.headers)
    assert resp.status == 422, await resp.text()
    error = (await resp.json())["error"]
    assert isinstance(error, str) and error
    assert await _count(db) == before


async def test_foreign_media_is_refused_and_nothing_is_stored(api: Any, member: Any,
                                                              db: Database, clock: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    media_id = new_id()
    async with db.acquire() as conn:
        await conn.execute("INSERT INTO media_attachments (id, account_id, type, created_at)"
                           " VALUES ($1, $2, 'image', $3)", media_id, bea.user.account_id, clock.now())
    resp = await api.post("/api/v1/statuses", json={"status": "mine?", "media_ids": [str(media_id)]},
                          headers=ada.headers)
    assert resp.status == 422 and "media" in (await resp.json())["error"]
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM statuses") == 0
        assert await conn.fetchval("SELECT status_id FROM media_attachments") is None


async def test_hidden_statuses_are_not_found(api: Any, member: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    secret = await (await api.post("/api/v1/statuses", json={"status": "friends", "visibility": "private"},
                                   headers=ada.headers)).json()
    for path in ("", "/context", "/history", "/favourited_by", "/reblogged_by"):
        assert (await api.get(f"/api/v1/statuses/{secret['id']}{path}", headers=bea.headers)).status == 404
        assert (await api.get(f"/api/v1/statuses/{secret['id']}{path}")).status == 404
    for action in ("favourite", "reblog", "bookmark", "mute"):
        resp = await api.post(f"/api/v1/statuses/{secret['id']}/{action}", headers=bea.headers)
        assert resp.status == 404, action
    assert (await api.delete(f"/api/v1/statuses/{secret['id']}", headers=bea.headers)).status == 404
    assert (await api.put(f"/api/v1/statuses/{secret['id']}", json={"status": "x"},
                          headers=bea.headers)).status == 404
    assert (await api.get(f"/api/v1/statuses/{secret['id']}/source", headers=bea.headers)).status == 404
    assert (await api.get("/api/v1/statuses/123456789")).status == 404


async def test_tokens_need_their_scopes(api: Any, member: Any) -> None:
    reader = await member("ada", scope="read")
    resp = await api.post("/api/v1/statuses", json={"status": "hi"}, headers=reader.headers)
    assert resp.status == 403
    assert (await api.post("/api/v1/statuses", json={"status": "hi"})).status == 401
    assert (await api.post("/api/v1/statuses", json={"status": "hi"},
                           headers={"Authorization": "Bearer nope"})).status == 401
    writer = await member("bea", scope="write:statuses")
    assert (await api.post("/api/v1/statuses", json={"status": "hi"},
                           headers=writer.headers)).status == 200
    assert (await api.get("/api/v1/timelines/home", headers=writer.headers)).status == 403
    assert (await api.get("/api/v1/notifications", headers=writer.headers)).status == 403
    status = await (await api.post("/api/v1/statuses", json={"status": "fav me"},
                                   headers=writer.headers)).json()
    assert (await api.post(f"/api/v1/statuses/{status['id']}/favourite",
                           headers=writer.headers)).status == 403


async def test_scheduled_status_is_published_by_its_job(api: Any, member: Any, db: Database,
                                                        clock: Any, worker: Any) -> None:
    from datetime import timedelta

    ada = await member("ada")
    when = clock.now() + timedelta(hours=1)
    resp = await api.post("/api/v1/statuses", json={"status": "later", "scheduled_at": when.isoformat()},
                          headers=ada.headers)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["params"]["text"] == "later" and "scheduled_at" in body
    too_soon = await api.post("/api/v1/statuses", json={
        "status": "now", "scheduled_at": (clock.now() + timedelta(minutes=1)).isoformat()},
        headers=ada.headers)
    assert too_soon.status == 422
    await worker().run_until_idle()
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM statuses") == 0
    clock.advance(timedelta(hours=1, seconds=1))
    await worker().run_until_idle()
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT text_source FROM statuses") == "later"
        assert await conn.fetchval("SELECT count(*) FROM scheduled_statuses") == 0


async def test_a_quote_is_posted_and_one_of_a_private_post_refused(api: Any, member: Any,
                                                                   db: Database) -> None:
    ada, bea = await member("ada"), await member("bea")
    public = await api.post("/api/v1/statuses", json={"status": "open"}, headers=bea.headers)
    private = await api.post("/api/v1/statuses", json={"status": "closed",
                                                       "visibility": "private"},
                             headers=bea.headers)
    public_id, private_id = (await public.json())["id"], (await private.json())["id"]
    before = await _count(db)
    resp = await api.post("/api/v1/statuses", json={"status": "me too",
                                                    "quoted_status_id": private_id},
                          headers=ada.headers)
    assert resp.status == 422 and "quote" in (await resp.json())["error"]
    assert await _count(db) == before
    resp = await api.post("/api/v1/statuses", data={"status": "me too",
                                                    "quoted_status_id": public_id},
                          headers=ada.headers)
    assert resp.status == 200, await resp.text()
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT state, quoted_status_id FROM status_quotes")
    assert (row["state"], str(row["quoted_status_id"])) == ("accepted", public_id)
