"""Search (accounts, hashtags, full-text statuses limited to what the caller may find, remote
accounts resolved through a fake server) and trends from real recent use."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.clock import FrozenClock
from tests.openapi import validate, validate_list


async def post(api: Any, who: Any, **data: Any) -> dict[str, Any]:
    resp = await api.post("/api/v1/statuses", json=data, headers=who.headers)
    assert resp.status == 200, await resp.text()
    return dict(await resp.json())


async def test_search_accounts_tags_and_statuses(api: Any, member: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    mine = await post(api, ada, status="Compost heaps and #gardening")
    hidden = await post(api, bea, status="compost secrets", visibility="private")
    resp = await api.get("/api/v2/search?q=compost", headers=ada.headers)
    body = await resp.json()
    validate(body, "Search")
    assert [s["id"] for s in body["statuses"]] == [mine["id"]]
    assert hidden["id"] not in [s["id"] for s in body["statuses"]]
    people = await (await api.get("/api/v2/search?q=be&type=accounts", headers=ada.headers)).json()
    assert [a["username"] for a in people["accounts"]] == ["bea"]
    tags = await (await api.get("/api/v2/search?q=%23garden&type=hashtags")).json()
    validate_list(tags["hashtags"], "Tag")
    assert tags["hashtags"][0]["name"] == "gardening"
    assert tags["hashtags"][0]["history"][0]["uses"] == "1"
    anonymous = await (await api.get("/api/v2/search?q=compost")).json()
    assert anonymous["statuses"] == []
    assert (await api.get("/api/v2/search")).status == 422
    assert (await api.get("/api/v2/search?q=x&resolve=true")).status == 401
    by_url = await (await api.get(f"/api/v2/search?q={mine['url']}&type=statuses",
                                  headers=bea.headers)).json()
    assert [s["id"] for s in by_url["statuses"]] == [mine["id"]]


async def test_search_resolves_a_remote_account(api: Any, member: Any, monkeypatch: Any) -> None:
    from server.search import service as search_service
    from tests.helpers import make_remote_account

    ada = await member("ada")
    seen = []

    async def fake_resolve(ctx: Any, acct: str) -> Any:
        seen.append(acct)
        return await make_remote_account(ctx.db, ctx.clock, "alice", "mastodon.test")

    monkeypatch.setattr(search_service.remote_actors, "resolve_acct", fake_resolve)
    body = await (await api.get("/api/v2/search?q=@alice@mastodon.test&resolve=true",
                                headers=ada.headers)).json()
    assert seen == ["@alice@mastodon.test"]
    assert [a["acct"] for a in body["accounts"]] == ["alice@mastodon.test"]


async def test_trends_come_from_recent_use(api: Any, member: Any, clock: FrozenClock) -> None:
    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    old = await post(api, ada, status="#ancient")
    clock.advance(timedelta(days=8))
    for who in (ada, bea, cy):
        await post(api, who, status="#coop meeting")
    await post(api, ada, status="#solo thoughts")
    await post(api, ada, status="#solo again")
    popular = await post(api, ada, status="popular")
    quiet = await post(api, bea, status="quiet")
    for who in (bea, cy):
        await api.post(f"/api/v1/statuses/{popular['id']}/favourite", headers=who.headers)
    await api.post(f"/api/v1/statuses/{popular['id']}/reblog", headers=cy.headers)
    await api.post(f"/api/v1/statuses/{quiet['id']}/favourite", headers=ada.headers)
    await api.post(f"/api/v1/statuses/{old['id']}/favourite", headers=cy.headers)

    tags = await (await api.get("/api/v1/trends/tags")).json()
    validate_list(tags, "Tag")
    assert [t["name"] for t in tags] == ["coop", "solo"]
    assert tags[0]["history"][0]["accounts"] == "3"
    # The older spelling some apps still call answers the same.
    assert await (await api.get("/api/v1/trends")).json() == tags
    statuses = await (await api.get("/api/v1/trends/statuses")).json()
    validate_list(statuses, "Status")
    assert [s["id"] for s in statuses][:2] == [popular["id"], quiet["id"]]
