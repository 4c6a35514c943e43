"""List timelines (/api/v1/timelines/list/:id) and list streams.

Ada follows Bob, Cy and Dee and keeps three lists with Bob on each, one per replies policy.
Bob posts, replies to Cy (on one list with him), to Dee (followed, on no list), to Ada,
to Eve (not followed) and to himself, boosts Cy, and writes Ada a direct message; each
list shows what Mastodon's list feed would.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from server.config import Config
from tests.api.test_relations import post
from tests.api.test_streaming import _sse_event
from tests.openapi import validate_list


async def _say(api: Any, who: Any, text: str, **more: Any) -> str:
    return str((await post(api, who, "/api/v1/statuses", status=text, **more))["id"])


async def _list(api: Any, owner: Any, title: str, policy: str, *members: Any) -> str:
    made = await post(api, owner, "/api/v1/lists", title=title, replies_policy=policy)
    await post(api, owner, f"/api/v1/lists/{made['id']}/accounts",
               account_ids=[str(m.user.account_id) for m in members])
    return str(made["id"])


async def _timeline(api: Any, who: Any, list_id: str, **params: Any) -> list[dict[str, Any]]:
    resp = await api.get(f"/api/v1/timelines/list/{list_id}", params=params, headers=who.headers)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    validate_list(body, "Status")
    return list(body)


async def test_list_timelines_follow_the_replies_policy(api: Any, member: Any, worker: Any,
                                                        api_config: Config) -> None:
    ada, bob, cy, dee, eve = [await member(n) for n in ("ada", "bob", "cy", "dee", "eve")]
    for target in (bob, cy, dee):
        await post(api, ada, f"/api/v1/accounts/{target.user.account_id}/follow")
    by_list = await _list(api, ada, "Bob and Cy", "list", bob, cy)
    by_followed = await _list(api, ada, "Bob, followed", "followed", bob)
    by_none = await _list(api, ada, "Bob, no replies", "none", bob)

    cy_post, dee_post = await _say(api, cy, "cy here"), await _say(api, dee, "dee here")
    ada_post, eve_post = await _say(api, ada, "ada here"), await _say(api, eve, "eve here")
    top = await _say(api, bob, "bob here")
    to_cy = await _say(api, bob, "@cy yes", in_reply_to_id=cy_post)
    to_dee = await _say(api, bob, "@dee yes", in_reply_to_id=dee_post)
    to_ada = await _say(api, bob, "@ada yes", in_reply_to_id=ada_post)
    to_eve = await _say(api, bob, "@eve yes", in_reply_to_id=eve_post)
    to_self = await _say(api, bob, "and more", in_reply_to_id=top)
    boost = (await post(api, bob, f"/api/v1/statuses/{cy_post}/reblog"))["id"]
    await _say(api, bob, "@ada psst", visibility="direct")
    await worker(worker_config=api_config).run_until_idle()

    def ids(statuses: list[dict[str, Any]]) -> list[str]:
        return [s["id"] for s in statuses]

    assert ids(await _timeline(api, ada, by_list)) == [
        boost, to_self, to_ada, to_cy, top, cy_post]
    assert ids(await _timeline(api, ada, by_followed)) == [
        boost, to_self, to_ada, to_dee, to_cy, top]
    assert ids(await _timeline(api, ada, by_none)) == [boost, to_self, to_ada, top]
    assert to_eve not in ids(await _timeline(api, ada, by_followed))

    # Paging as everywhere: newest first, a Link to the next and previous pages.
    resp = await api.get(f"/api/v1/timelines/list/{by_list}?limit=2", headers=ada.headers)
    assert [s["id"] for s in await resp.json()] == [boost, to_self]
    assert f"max_id={to_self}" in resp.headers["Link"] and 'rel="prev"' in resp.headers["Link"]
    assert ids(await _timeline(api, ada, by_list, max_id=to_self, limit=2)) == [to_ada, to_cy]
    assert ids(await _timeline(api, ada, by_list, min_id=to_cy, limit=2)) == [to_self, to_ada]
    assert ids(await _timeline(api, ada, by_list, since_id=to_cy, limit=2)) == [boost, to_self]

    # Hiding Bob's boosts, or muting him, takes them off the lists too.
    await post(api, ada, f"/api/v1/accounts/{bob.user.account_id}/follow", reblogs=False)
    assert ids(await _timeline(api, ada, by_none)) == [to_self, to_ada, top]
    await post(api, ada, f"/api/v1/accounts/{bob.user.account_id}/mute")
    assert ids(await _timeline(api, ada, by_list)) == [cy_post]


async def test_someone_elses_list_is_not_found(api: Any, member: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    await post(api, ada, f"/api/v1/accounts/{bob.user.account_id}/follow")
    list_id = await _list(api, ada, "Mine", "list", bob)
    for path in (f"/api/v1/timelines/list/{list_id}", "/api/v1/timelines/list/12345",
                 "/api/v1/timelines/list/x", "/api/v1/timelines/list/99999999999999999999"):
        resp = await api.get(path, headers=bob.headers)
        assert resp.status == 404 and (await resp.json())["error"] == "Record not found"
    assert (await api.get(f"/api/v1/timelines/list/{list_id}")).status == 401
    assert await _timeline(api, ada, list_id) == []


async def test_list_stream_gets_posts_by_members(api: Any, member: Any, worker: Any,
                                                 api_config: Config) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    for target in (bob, cy):
        await post(api, ada, f"/api/v1/accounts/{target.user.account_id}/follow")
    list_id = await _list(api, ada, "Bob", "list", bob)
    await worker(worker_config=api_config).run_until_idle()

    sse = await api.get(f"/api/v1/streaming/list?list={list_id}", headers=ada.headers)
    assert sse.status == 200
    assert (await asyncio.wait_for(sse.content.readline(), timeout=10)).startswith(b":)")
    ws = await api.ws_connect(f"/api/v1/streaming?access_token={ada.token}")
    await ws.send_str(json.dumps({"type": "subscribe", "stream": "list", "list": list_id}))
    # Not Cy's list: refused, and nothing of it reaches her.
    cy_ws = await api.ws_connect(f"/api/v1/streaming?access_token={cy.token}")
    await cy_ws.send_str(json.dumps({"type": "subscribe", "stream": "list", "list": list_id}))
    refusal = json.loads((await cy_ws.receive(timeout=10)).data)
    assert refusal["status"] == 401 and "list" in refusal["error"]
    resp = await api.get(f"/api/v1/streaming/list?list={list_id}", headers=cy.headers)
    assert resp.status == 401

    await _say(api, cy, "not on the list")
    posted = await _say(api, bob, "on the list")
    await worker(worker_config=api_config).run_until_idle()

    event, data = await _sse_event(sse)
    assert event == "update" and json.loads(data)["id"] == posted
    message = json.loads((await ws.receive(timeout=10)).data)
    assert message["stream"] == ["list", list_id] and message["event"] == "update"
    assert json.loads(message["payload"])["id"] == posted
    await ws.close()
    await cy_ws.close()
    sse.close()
