"""The server-sent-events forms of the public, hashtag and direct streams: each hears what
Mastodon sends on it, and only that."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from server import events
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from tests.api.test_relations import post
from tests.api.test_streaming import _sse_event
from tests.federation.factories import make_remote_account, make_status
from tests.openapi import validate


async def _open(api: Any, path: str, who: Any = None) -> Any:
    resp = await api.get(path, headers=who.headers if who else {})
    assert resp.status == 200, await resp.text()
    assert (await asyncio.wait_for(resp.content.readline(), timeout=10)).startswith(b":)")
    return resp


async def test_public_and_hashtag_streams(api: Any, member: Any, worker: Any, db: Database,
                                          clock: FrozenClock, api_config: Config) -> None:
    ada = await member("ada")
    paths = ("/api/v1/streaming/public", "/api/v1/streaming/public/local",
             "/api/v1/streaming/public/remote", "/api/v1/streaming/hashtag?tag=Garden",
             "/api/v1/streaming/hashtag/local?tag=garden")
    streams = {path: await _open(api, path) for path in paths}

    local = await post(api, ada, "/api/v1/statuses", status="Sowing #garden")
    await post(api, ada, "/api/v1/statuses", status="Only us", visibility="unlisted")
    await worker(worker_config=api_config).run_until_idle()
    # A public post from elsewhere, as the inbox would store it.
    remote_author = await make_remote_account(db, clock, "zed")
    remote = await make_status(db, clock, account_id=remote_author, username=None,
                               uri="http://mastodon.test/users/zed/statuses/1",
                               content="<p>From afar</p>")
    async with db.transaction() as conn:
        await events.emit(conn, "status.created", {"status_id": remote.id}, now=clock.now())
    await worker(worker_config=api_config).run_until_idle()

    heard = {}
    for path, resp in streams.items():
        event, data = await _sse_event(resp)
        assert event == "update", path
        status = json.loads(data)
        validate(status, "Status")
        heard[path] = status["id"]
    assert heard == {
        "/api/v1/streaming/public": local["id"],
        "/api/v1/streaming/public/local": local["id"],
        "/api/v1/streaming/public/remote": str(remote.id),
        "/api/v1/streaming/hashtag?tag=Garden": local["id"],
        "/api/v1/streaming/hashtag/local?tag=garden": local["id"]}
    # The remote post comes next on the federated stream; the unlisted one never does.
    event, data = await _sse_event(streams["/api/v1/streaming/public"])
    assert event == "update" and json.loads(data)["id"] == str(remote.id)
    for resp in streams.values():
        resp.close()


async def test_direct_stream_hears_of_conversations(api: Any, member: Any, worker: Any,
                                                    api_config: Config) -> None:
    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    ada_direct = await _open(api, "/api/v1/streaming/direct", ada)
    bea_direct = await _open(api, "/api/v1/streaming/direct", bea)
    cy_direct = await _open(api, "/api/v1/streaming/direct", cy)
    assert (await api.get("/api/v1/streaming/direct")).status == 401

    await post(api, ada, "/api/v1/statuses", status="Not direct @bea")
    sent = await post(api, bea, "/api/v1/statuses", status="@ada just us", visibility="direct")
    await post(api, cy, "/api/v1/statuses", status="@bea and us", visibility="direct")
    await worker(worker_config=api_config).run_until_idle()

    event, data = await _sse_event(ada_direct)
    assert event == "conversation"
    conversation = json.loads(data)
    validate(conversation, "Conversation")
    assert conversation["last_status"]["id"] == sent["id"]
    assert [a["username"] for a in conversation["accounts"]] == ["bea"]
    listed = await (await api.get("/api/v1/conversations", headers=ada.headers)).json()
    assert listed == [conversation]
    # The author's own stream hears of it too, with the other participant; and of Cy's
    # (the jobs behind the two may run in either order).
    heard = []
    for _ in range(2):
        event, data = await _sse_event(bea_direct)
        assert event == "conversation"
        heard.append([a["username"] for a in json.loads(data)["accounts"]])
    assert sorted(heard) == [["ada"], ["cy"]]
    event, data = await _sse_event(cy_direct)
    assert event == "conversation"
    assert [a["username"] for a in json.loads(data)["accounts"]] == ["bea"]
    for resp in (ada_direct, bea_direct, cy_direct):
        resp.close()
