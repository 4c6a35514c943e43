"""Announcements: the members' proposals in every client, open and lately decided, with
dismissals and emoji reactions per account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

from server.db import Database
from tests.governance.factories import found_coop, propose, run_past_close, vote
from tests.openapi import validate_list


async def _list(api: Any, who: Any, **params: str) -> list[dict[str, Any]]:
    resp = await api.get("/api/v1/announcements", params=params, headers=who.headers)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    validate_list(body, "Announcement")
    return body


async def test_open_then_decided_then_gone(api: Any, member: Any, db: Database, api_config: Any,
                                           clock: Any, worker: Any) -> None:
    coop = await found_coop(db, api_config, clock, ["cleo", "dan"])
    eve = await member("eve")
    assert await _list(api, eve) == []
    proposal = await propose(db, clock, coop["cleo"], title="Buy a bigger server")
    [item] = await _list(api, eve)
    assert item["id"] == str(proposal.id) and item["read"] is False
    assert "Buy a bigger server" in item["content"] and "Voting is open until" in item["content"]
    assert item["ends_at"].startswith(proposal.closes_at.strftime("%Y-%m-%dT%H:%M"))

    for name in ("cleo", "dan"):
        await vote(db, clock, coop[name], proposal, "agree")
    await run_past_close(clock, worker, proposal)
    [decided] = await _list(api, eve)
    assert "Decision log" in decided["content"] and "2 of 2 voted" in decided["content"]
    clock.advance(timedelta(days=8))
    assert await _list(api, eve) == []


async def test_dismiss_and_react(api: Any, member: Any, db: Database, api_config: Any,
                                 clock: Any) -> None:
    coop = await found_coop(db, api_config, clock, ["cleo", "dan"])
    eve, fay = await member("eve"), await member("fay")
    proposal = await propose(db, clock, coop["cleo"])
    base = f"/api/v1/announcements/{proposal.id}"
    thumbs = quote("👍")
    for who in (eve, fay):
        assert (await api.put(f"{base}/reactions/{thumbs}", headers=who.headers)).status == 200
    clock.advance(timedelta(seconds=1))   # reactions come in the order they were first given
    assert (await api.put(f"{base}/reactions/{quote('🎉')}", headers=eve.headers)).status == 200
    [item] = await _list(api, eve)
    assert item["reactions"] == [{"name": "👍", "count": 2, "me": True},
                                 {"name": "🎉", "count": 1, "me": True}]
    assert (await api.delete(f"{base}/reactions/{quote('🎉')}", headers=eve.headers)).status == 200
    [item] = await _list(api, fay)
    assert item["reactions"] == [{"name": "👍", "count": 2, "me": True}]
    resp = await api.put(f"{base}/reactions/abc", headers=eve.headers)
    assert resp.status == 422 and "emoji" in (await resp.json())["error"]

    assert (await api.post(f"{base}/dismiss", headers=eve.headers)).status == 200
    assert await _list(api, eve) == []
    [again] = await _list(api, eve, with_dismissed="true")
    assert again["read"] is True
    assert (await _list(api, fay))[0]["read"] is False
    assert (await api.post("/api/v1/announcements/123/dismiss", headers=eve.headers)).status == 404
    assert (await api.get("/api/v1/announcements")).status == 401
