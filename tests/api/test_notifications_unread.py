"""The unread count (/api/v1/notifications/unread_count) follows the `notifications` read
marker a client saves with POST /api/v1/markers, and the list's type filters."""

from __future__ import annotations

from typing import Any

from tests.api.test_relations import post


async def _count(api: Any, who: Any, **params: Any) -> int:
    resp = await api.get("/api/v1/notifications/unread_count", params=params, headers=who.headers)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert list(body) == ["count"] and isinstance(body["count"], int)
    return int(body["count"])


async def test_unread_count_follows_the_read_marker(api: Any, member: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    assert await _count(api, ada) == 0
    first = await post(api, bea, "/api/v1/statuses", status="@ada one")
    await post(api, bea, f"/api/v1/accounts/{ada.user.account_id}/follow")
    await post(api, bea, f"/api/v1/statuses/{first['id']}/favourite")   # on her own post: none
    mine = await post(api, ada, "/api/v1/statuses", status="mine")
    await post(api, bea, f"/api/v1/statuses/{mine['id']}/favourite")
    notes = await (await api.get("/api/v1/notifications", headers=ada.headers)).json()
    assert [n["type"] for n in notes] == ["favourite", "follow", "mention"]
    assert await _count(api, ada) == 3

    # Reading up to the follow leaves the favourite unread.
    await post(api, ada, "/api/v1/markers", notifications={"last_read_id": notes[1]["id"]})
    assert await _count(api, ada) == 1
    assert await _count(api, ada, **{"types[]": "mention"}) == 0
    assert await _count(api, ada, **{"exclude_types[]": "favourite"}) == 0
    await post(api, ada, "/api/v1/markers", notifications={"last_read_id": notes[2]["id"]})
    assert await _count(api, ada) == 2
    assert await _count(api, ada, **{"types[]": ["favourite", "mention"]}) == 1
    assert await _count(api, ada, account_id=str(bea.user.account_id)) == 2
    assert await _count(api, ada, account_id="1") == 0
    # The home marker is another matter.
    await post(api, ada, "/api/v1/markers", home={"last_read_id": notes[0]["id"]})
    assert await _count(api, ada) == 2
    # A mention whose post is gone no longer counts.
    await api.delete(f"/api/v1/statuses/{first['id']}", headers=bea.headers)
    await post(api, ada, "/api/v1/markers", notifications={"last_read_id": "0"})
    assert await _count(api, ada) == 2
    assert (await api.get("/api/v1/notifications/unread_count")).status == 401


async def test_unread_count_is_capped_by_limit(api: Any, member: Any) -> None:
    ada = await member("ada")
    for name in ("bea", "cy", "dee"):
        other = await member(name)
        await post(api, other, f"/api/v1/accounts/{ada.user.account_id}/follow")
    assert await _count(api, ada) == 3
    assert await _count(api, ada, limit="2") == 2
    assert await _count(api, ada, limit="5000") == 3
    resp = await api.get("/api/v1/notifications/unread_count?limit=many", headers=ada.headers)
    assert resp.status == 422 and "limit" in (await resp.json())["error"]
