"""Following hashtags: GET /api/v1/tags/:name, follow/unfollow and /api/v1/followed_tags."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.openapi import validate, validate_list


async def test_follow_unfollow_and_list(api: Any, member: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    resp = await api.post("/api/v1/tags/Gardening/follow", headers=ada.headers)
    assert resp.status == 200, await resp.text()
    tag = await resp.json()
    validate(tag, "Tag")
    assert tag["name"] == "Gardening" and tag["following"] is True and tag["id"]
    assert len(tag["history"]) == 7
    # Following again is one follow; another case names the same tag.
    again = await (await api.post("/api/v1/tags/gardening/follow", headers=ada.headers)).json()
    assert again["id"] == tag["id"] and again["name"] == "Gardening"

    shown = await (await api.get("/api/v1/tags/GARDENING", headers=ada.headers)).json()
    validate(shown, "Tag")
    assert shown["following"] is True
    # Followed by ada only: bob sees following false, and anonymous callers no `following`.
    assert (await (await api.get("/api/v1/tags/gardening", headers=bob.headers)).json()
            )["following"] is False
    assert "following" not in await (await api.get("/api/v1/tags/gardening")).json()

    listed = await (await api.get("/api/v1/followed_tags", headers=ada.headers)).json()
    validate_list(listed, "Tag")
    assert [t["name"] for t in listed] == ["Gardening"]
    assert await (await api.get("/api/v1/followed_tags", headers=bob.headers)).json() == []

    unfollowed = await (await api.post("/api/v1/tags/gardening/unfollow",
                                       headers=ada.headers)).json()
    assert unfollowed["following"] is False and unfollowed["id"] == tag["id"]
    assert await (await api.get("/api/v1/followed_tags", headers=ada.headers)).json() == []


async def test_unknown_and_invalid_names(api: Any, member: Any) -> None:
    ada = await member("ada")
    unknown = await (await api.get("/api/v1/tags/neverused", headers=ada.headers)).json()
    validate(unknown, "Tag")
    assert unknown["name"] == "neverused" and unknown["following"] is False
    assert all(day["uses"] == "0" for day in unknown["history"])
    # Unfollowing a tag nobody follows is not an error.
    resp = await api.post("/api/v1/tags/neverused/unfollow", headers=ada.headers)
    assert resp.status == 200 and (await resp.json())["following"] is False
    for bad in ("no%20spaces", "123", "a-b"):
        resp = await api.get(f"/api/v1/tags/{bad}", headers=ada.headers)
        assert resp.status == 404, bad
        assert "error" in await resp.json()
        assert (await api.post(f"/api/v1/tags/{bad}/follow", headers=ada.headers)).status == 404


async def test_scopes_and_paging(api: Any, member: Any) -> None:
    reader = await member("ada", scope="read")
    resp = await api.post("/api/v1/tags/cats/follow", headers=reader.headers)
    assert resp.status == 403
    bob = await member("bob")
    for name in ("one", "two", "three"):
        assert (await api.post(f"/api/v1/tags/{name}/follow", headers=bob.headers)).status == 200
    resp = await api.get("/api/v1/followed_tags", params={"limit": "2"}, headers=bob.headers)
    first = await resp.json()
    assert [t["name"] for t in first] == ["three", "two"]
    assert 'rel="next"' in resp.headers["Link"]
    next_url = urlsplit(resp.headers["Link"].split(">")[0].lstrip("<"))
    rest = await (await api.get(f"{next_url.path}?{next_url.query}", headers=bob.headers)).json()
    assert [t["name"] for t in rest] == ["one"]
    assert (await api.get("/api/v1/followed_tags")).status == 401


async def test_followed_tags_fill_the_home_feed(api: Any, member: Any, worker: Any) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    for name in ("gardening", "compost"):
        assert (await api.post(f"/api/v1/tags/{name}/follow", headers=ada.headers)).status == 200

    async def post(who: Any, text: str, **extra: Any) -> str:
        resp = await api.post("/api/v1/statuses", json={"status": text, **extra},
                              headers=who.headers)
        assert resp.status == 200, await resp.text()
        return str((await resp.json())["id"])

    public = await post(bob, "Tomatoes! #Gardening")
    both = await post(bob, "Leaves #gardening #compost")
    await post(bob, "Quietly #gardening", visibility="unlisted")
    await post(bob, "Unrelated")
    # cy blocks ada: cy's tagged posts stay out of ada's feed.
    assert (await api.post(f"/api/v1/accounts/{ada.user.account_id}/block",
                           headers=cy.headers)).status == 200
    await post(cy, "Mine #gardening")
    await worker().run_until_idle()

    async def home() -> list[str]:
        resp = await api.get("/api/v1/timelines/home", headers=ada.headers)
        return [s["id"] for s in await resp.json()]

    assert await home() == [both, public]
    assert (await api.post("/api/v1/tags/gardening/unfollow", headers=ada.headers)).status == 200
    assert await home() == [both]   # still there for #compost
