"""Announcements: the members' proposals in every client, open and lately decided, with
dismissals and emoji reactions per account."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest

from server.db import Database
from tests.governance.factories import found_coop, propose, run_past_close, vote
from tests.api.test_streaming import _sse_event as sse_event
from tests.openapi import validate, validate_list


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


async def _sse_event(resp: Any) -> tuple[str, str]:
    """The next announcement event (the coop's own posts about the proposal come too)."""
    return await sse_event(resp, "announcement")


async def test_streamed_to_signed_in_clients(api: Any, member: Any, db: Database, api_config: Any,
                                            clock: Any, worker: Any) -> None:
    """Opened, reacted to, decided and withdrawn: each reaches the user streams (SSE and
    WebSocket) as Mastodon's stream sends it, the same payload for everyone."""
    coop = await found_coop(db, api_config, clock, ["cleo", "dan"])
    eve, fay = await member("eve"), await member("fay")
    await worker().run_until_idle()
    sse = await api.get("/api/v1/streaming/user", headers=eve.headers)
    await asyncio.wait_for(sse.content.readline(), timeout=10)
    ws = await api.ws_connect(f"/api/v1/streaming?access_token={fay.token}")
    await ws.send_str(json.dumps({"type": "subscribe", "stream": "user"}))
    # Only notifications on this one: announcements are not sent there.
    quiet = await api.get("/api/v1/streaming/user/notification", headers=fay.headers)
    await asyncio.wait_for(quiet.content.readline(), timeout=10)

    proposal = await propose(db, clock, coop["cleo"], title="Buy a bigger server")
    await worker().run_until_idle()
    event, data = await _sse_event(sse)
    assert event == "announcement"
    opened = json.loads(data)
    validate(opened, "Announcement")
    assert opened["id"] == str(proposal.id) and "Voting is open until" in opened["content"]
    assert "read" not in opened
    message = json.loads((await ws.receive(timeout=10)).data)
    while not message["event"].startswith("announcement"):
        message = json.loads((await ws.receive(timeout=10)).data)
    assert message["stream"] == ["user"] and message["event"] == "announcement"
    assert json.loads(message["payload"]) == opened

    thumbs = quote("👍")
    resp = await api.put(f"/api/v1/announcements/{proposal.id}/reactions/{thumbs}", headers=fay.headers)
    assert resp.status == 200
    event, data = await _sse_event(sse)
    assert event == "announcement.reaction"
    assert json.loads(data) == {"name": "👍", "count": 1, "announcement_id": str(proposal.id)}
    await api.delete(f"/api/v1/announcements/{proposal.id}/reactions/{thumbs}", headers=fay.headers)
    event, data = await _sse_event(sse)
    assert json.loads(data)["count"] == 0

    for name in ("cleo", "dan"):
        await vote(db, clock, coop[name], proposal, "agree")
    await run_past_close(clock, worker, proposal)
    event, data = await _sse_event(sse)
    decided = json.loads(data)
    assert event == "announcement" and "Decision log" in decided["content"]

    clock.advance(timedelta(days=7, seconds=2))
    await worker().run_until_idle()
    assert await _sse_event(sse) == ("announcement.delete", str(proposal.id))
    assert await _list(api, eve, with_dismissed="true") == []
    # The notification-only stream got none of it.
    seen = b""
    with pytest.raises(asyncio.TimeoutError):
        while True:
            seen += await asyncio.wait_for(quiet.content.readline(), timeout=0.3)
    assert b"announcement" not in seen
    await ws.close()
    sse.close()
    quiet.close()


async def test_jury_decisions_are_not_streamed(db: Database, api_config: Any, clock: Any) -> None:
    """The announcer renders nothing for a proposal that is not announced."""
    from server.api.streaming_render import announcement_payload

    assert await announcement_payload(db, api_config, clock, 987654) is None
