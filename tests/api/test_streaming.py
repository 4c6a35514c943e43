"""The streaming API: a post made through the API on one app instance reaches an SSE stream
and a WebSocket stream held by a follower on another app instance with its own pool (as on
another web process), rendered for that follower."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from server.accounts import queries as accounts_q
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.follows import service as follows
from tests.openapi import validate



@pytest.fixture
async def other_app(aiohttp_client: Any, database_url: str, clock: FrozenClock,
                    api_config: Config) -> Any:
    """A second app instance over its own pool: its StreamHub listens on its own connection."""
    from server.app import create_app

    other = await Database.connect(database_url, min_size=1, max_size=5)
    client = await aiohttp_client(create_app(api_config, db=other, clock=clock))
    yield client
    await client.close()     # before the pool: the hub holds one of its connections
    await other.close()


async def _follow(db: Database, config: Config, clock: FrozenClock, follower: Any, target: Any) -> None:
    async with db.transaction() as conn:
        a = await accounts_q.get_account(conn, account_id=follower.user.account_id)
        b = await accounts_q.get_account(conn, account_id=target.user.account_id)
        await follows.follow(conn, config=config, follower=a, target=b, now=clock.now())


async def _sse_event(resp: Any, prefix: str = "") -> tuple[str, str]:
    """The next server-sent event (the next whose name starts with `prefix`)."""
    event = data = None
    while True:
        line = (await asyncio.wait_for(resp.content.readline(), timeout=10)).decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[len("event: "):]
        elif line.startswith("data: "):
            data = line[len("data: "):]
        elif line == "" and event is not None:
            if event.startswith(prefix):
                return event, data or ""
            event = data = None


async def test_post_reaches_sse_and_websocket_on_another_instance(
        api: Any, other_app: Any, member: Any, db: Database, api_config: Config,
        clock: FrozenClock, worker: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    await _follow(db, api_config, clock, bea, ada)
    await worker().run_until_idle()

    sse = await other_app.get("/api/v1/streaming/user", headers=bea.headers)
    assert sse.status == 200 and sse.headers["Content-Type"].startswith("text/event-stream")
    assert (await asyncio.wait_for(sse.content.readline(), timeout=10)).startswith(b":)")
    ws = await other_app.ws_connect(f"/api/v1/streaming?access_token={bea.token}")
    await ws.send_str(json.dumps({"type": "subscribe", "stream": "user"}))
    await ws.send_str(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "Coop"}))
    await ws.send_str("not json")       # answered after the subscriptions were taken
    assert "error" in json.loads((await ws.receive(timeout=10)).data)

    resp = await api.post("/api/v1/statuses", json={"status": "Hello #coop"}, headers=ada.headers)
    posted = await resp.json()
    await worker().run_until_idle()

    event, data = await _sse_event(sse)
    assert event == "update"
    status = json.loads(data)
    validate(status, "Status")
    assert status["id"] == posted["id"] and status["favourited"] is False
    got = {}
    for _ in range(2):
        message = json.loads((await ws.receive(timeout=10)).data)
        got[tuple(message["stream"])] = message
    assert set(got) == {("user",), ("hashtag", "coop")}
    assert got[("user",)]["event"] == "update"
    assert json.loads(got[("user",)]["payload"])["id"] == posted["id"]

    await api.post(f"/api/v1/statuses/{posted['id']}/favourite", headers=bea.headers)
    await api.delete(f"/api/v1/statuses/{posted['id']}", headers=ada.headers)
    event, data = await _sse_event(sse)
    assert (event, data) == ("delete", posted["id"])
    await ws.close()
    sse.close()


async def test_notifications_stream_and_blocked_authors(
        api: Any, other_app: Any, member: Any, db: Database, api_config: Config,
        clock: FrozenClock) -> None:
    ada, bea = await member("ada"), await member("bea")
    sse = await other_app.get("/api/v1/streaming/user/notification", headers=ada.headers)
    await asyncio.wait_for(sse.content.readline(), timeout=10)
    await api.post("/api/v1/statuses", json={"status": "@ada hi"}, headers=bea.headers)
    event, data = await _sse_event(sse)
    assert event == "notification"
    note = json.loads(data)
    validate(note, "Notification")
    assert note["type"] == "mention" and note["account"]["username"] == "bea"
    sse.close()


async def test_health_and_bad_requests(api: Any, member: Any) -> None:
    health = await api.get("/api/v1/streaming/health")
    assert health.status == 200 and await health.text() == "OK"
    assert (await api.get("/api/v1/streaming/user")).status == 401
    assert (await api.get("/api/v1/streaming/hashtag")).status == 400
    assert (await api.get("/api/v1/streaming")).status == 400
