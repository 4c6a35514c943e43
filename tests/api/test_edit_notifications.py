"""`update` notifications: whoever boosted a post hears that it was edited (not its author,
not someone who only favourited it), as in Mastodon."""

from __future__ import annotations

from typing import Any

from tests.openapi import validate


async def _notifications(api: Any, who: Any) -> list[dict[str, Any]]:
    resp = await api.get("/api/v1/notifications", headers=who.headers)
    assert resp.status == 200
    return await resp.json()


async def test_boosters_hear_of_an_edit(api: Any, member: Any, worker: Any) -> None:
    ada, bea, cid = await member("ada"), await member("bea"), await member("cid")
    posted = await (await api.post("/api/v1/statuses", json={"status": "first words"},
                                   headers=ada.headers)).json()
    await api.post(f"/api/v1/statuses/{posted['id']}/reblog", headers=bea.headers)
    await api.post(f"/api/v1/statuses/{posted['id']}/favourite", headers=cid.headers)
    await worker().run_until_idle()
    resp = await api.put(f"/api/v1/statuses/{posted['id']}", json={"status": "better words"},
                         headers=ada.headers)
    assert resp.status == 200
    await worker().run_until_idle()
    [update] = [n for n in await _notifications(api, bea) if n["type"] == "update"]
    validate(update, "Notification")
    assert update["status"]["id"] == posted["id"] and update["account"]["username"] == "ada"
    assert "better words" in update["status"]["content"]
    assert not [n for n in await _notifications(api, cid) if n["type"] == "update"]
    assert not [n for n in await _notifications(api, ada) if n["type"] == "update"]

    # A boost taken back: no more news of edits.
    await api.post(f"/api/v1/statuses/{posted['id']}/unreblog", headers=bea.headers)
    await api.put(f"/api/v1/statuses/{posted['id']}", json={"status": "best words"},
                  headers=ada.headers)
    await worker().run_until_idle()
    assert len([n for n in await _notifications(api, bea) if n["type"] == "update"]) == 1
