"""Timelines, account statuses, bookmarks, favourites and notifications through the API;
and rendering a page of statuses in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.accounts import queries as accounts_q
from server.api.entities.statuses import render_statuses
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.follows import service as follows
from tests.openapi import validate, validate_list


async def post(api: Any, who: Any, **data: Any) -> dict[str, Any]:
    resp = await api.post("/api/v1/statuses", json=data, headers=who.headers)
    assert resp.status == 200, await resp.text()
    return dict(await resp.json())


async def follow(db: Database, api_config: Config, clock: FrozenClock, follower: Any, target: Any) -> None:
    async with db.transaction() as conn:
        a = await accounts_q.get_account(conn, account_id=follower.user.account_id)
        b = await accounts_q.get_account(conn, account_id=target.user.account_id)
        await follows.follow(conn, config=api_config, follower=a, target=b, now=clock.now())


async def test_home_public_and_tag_timelines(api: Any, member: Any, db: Database, api_config: Config,
                                             clock: FrozenClock, worker: Any) -> None:
    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    await follow(db, api_config, clock, bea, ada)
    await worker().run_until_idle()
    posts = []
    for i in range(5):
        clock.advance(timedelta(seconds=1))
        posts.append(await post(api, ada, status=f"post {i} #coop" + (" #extra" if i % 2 else "")))
    secret = await post(api, ada, status="followers only", visibility="private")
    reply = await post(api, cy, status="a reply to ada", in_reply_to_id=posts[0]["id"])
    await worker().run_until_idle()

    resp = await api.get("/api/v1/timelines/home?limit=3", headers=bea.headers)
    home = await resp.json()
    validate_list(home, "Status")
    assert [s["id"] for s in home] == [secret["id"], posts[4]["id"], posts[3]["id"]]
    assert 'rel="next"' in resp.headers["Link"]
    nxt = await (await api.get(f"/api/v1/timelines/home?limit=3&max_id={posts[3]['id']}",
                               headers=bea.headers)).json()
    assert [s["id"] for s in nxt] == [posts[2]["id"], posts[1]["id"], posts[0]["id"]]
    prev = await (await api.get(f"/api/v1/timelines/home?limit=2&min_id={posts[1]['id']}",
                                headers=bea.headers)).json()
    assert [s["id"] for s in prev] == [posts[3]["id"], posts[2]["id"]]

    public = await (await api.get("/api/v1/timelines/public?local=true")).json()
    validate_list(public, "Status")
    ids = [s["id"] for s in public]
    assert secret["id"] not in ids and reply["id"] not in ids   # no private posts, no replies to others
    assert ids == [p["id"] for p in reversed(posts)]

    tag = await (await api.get("/api/v1/timelines/tag/coop?all[]=extra")).json()
    assert [s["id"] for s in tag] == [posts[3]["id"], posts[1]["id"]]
    tag = await (await api.get("/api/v1/timelines/tag/coop?none[]=extra")).json()
    assert [s["id"] for s in tag] == [posts[4]["id"], posts[2]["id"], posts[0]["id"]]
    assert (await api.get("/api/v1/timelines/home")).status == 401


async def test_account_statuses_follow_visibility(api: Any, member: Any, db: Database,
                                                  api_config: Config, clock: FrozenClock) -> None:
    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    await follow(db, api_config, clock, bea, ada)
    public = await post(api, ada, status="hello")
    private = await post(api, ada, status="friends", visibility="private")
    await post(api, ada, status="@cy hi", in_reply_to_id=None)
    await api.post(f"/api/v1/statuses/{public['id']}/pin", headers=ada.headers)
    path = f"/api/v1/accounts/{ada.user.account_id}/statuses"
    as_bea = await (await api.get(path, headers=bea.headers)).json()
    validate_list(as_bea, "Status")
    as_cy = await (await api.get(path + "?exclude_replies=true", headers=cy.headers)).json()
    assert private["id"] in [s["id"] for s in as_bea]
    assert private["id"] not in [s["id"] for s in as_cy]
    pinned = await (await api.get(path + "?pinned=true")).json()
    assert [s["id"] for s in pinned] == [public["id"]]


async def test_bookmarks_favourites_and_notifications(api: Any, member: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    status = await post(api, ada, status="like me")
    await api.post(f"/api/v1/statuses/{status['id']}/favourite", headers=bea.headers)
    await api.post(f"/api/v1/statuses/{status['id']}/bookmark", headers=bea.headers)
    await post(api, bea, status="@ada hello")
    for path in ("/api/v1/bookmarks", "/api/v1/favourites"):
        listed = await (await api.get(path, headers=bea.headers)).json()
        assert [s["id"] for s in listed] == [status["id"]]
    resp = await api.get("/api/v1/notifications", headers=ada.headers)
    notes = await resp.json()
    validate_list(notes, "Notification")
    assert [n["type"] for n in notes] == ["mention", "favourite"]
    only = await (await api.get("/api/v1/notifications?types[]=favourite", headers=ada.headers)).json()
    assert [n["type"] for n in only] == ["favourite"]
    excluded = await (await api.get("/api/v1/notifications?exclude_types[]=favourite",
                                    headers=ada.headers)).json()
    assert [n["type"] for n in excluded] == ["mention"]
    count = await (await api.get("/api/v1/notifications/unread_count", headers=ada.headers)).json()
    assert count == {"count": 2}
    one = await api.get(f"/api/v1/notifications/{notes[0]['id']}", headers=ada.headers)
    validate(await one.json(), "Notification")
    assert (await api.get(f"/api/v1/notifications/{notes[0]['id']}", headers=bea.headers)).status == 404
    assert (await api.post(f"/api/v1/notifications/{notes[0]['id']}/dismiss", headers=ada.headers)).status == 200
    assert len(await (await api.get("/api/v1/notifications", headers=ada.headers)).json()) == 1
    assert (await api.post("/api/v1/notifications/clear", headers=ada.headers)).status == 200
    assert await (await api.get("/api/v1/notifications", headers=ada.headers)).json() == []


class CountingConn:
    def __init__(self, conn: Any) -> None:
        self.conn, self.queries = conn, 0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.conn, name)
        if name in ("fetch", "fetchrow", "fetchval", "execute"):
            self.queries += 1
        return attr


async def test_a_page_renders_in_a_fixed_number_of_queries(
        api: Any, member: Any, db: Database, api_config: Config, clock: FrozenClock) -> None:
    ada, bea = await member("ada"), await member("bea")
    ids = []
    for i in range(40):
        status = await post(api, ada if i % 2 else bea, status=f"#t{i} @bea @ada {i}",
                            **({"poll": {"options": ["a", "b"], "expires_in": 600}} if i % 5 == 0 else {}))
        ids.append(int(status["id"]))
        if i % 3 == 0:
            boost = await (await api.post(f"/api/v1/statuses/{status['id']}/reblog",
                                          headers=bea.headers)).json()
            ids.append(int(boost["id"]))
    counts = []
    for page in (ids[:5], ids[:45]):
        async with db.acquire() as conn:
            counting = CountingConn(conn)
            rendered = await render_statuses(counting, api_config, page,  # type: ignore[arg-type]
                                             viewer_id=ada.user.account_id, now=clock.now())
            assert len(rendered) == len(page)
            counts.append(counting.queries)
    assert counts[0] == counts[1] <= 12


async def test_conversations_group_direct_messages(api: Any, member: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    first = await post(api, ada, status="@bea psst", visibility="direct")
    answer = await post(api, bea, status="@ada yes?", visibility="direct", in_reply_to_id=first["id"])
    await post(api, ada, status="public, not a conversation")
    for who, other in ((ada, "bea"), (bea, "ada")):
        listed = await (await api.get("/api/v1/conversations", headers=who.headers)).json()
        validate_list(listed, "Conversation")
        assert len(listed) == 1
        assert listed[0]["last_status"]["id"] == answer["id"]
        assert [a["username"] for a in listed[0]["accounts"]] == [other]
