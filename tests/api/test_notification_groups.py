"""Grouped notifications (/api/v2/notifications): favourites and boosts of one status, and
follows, group within hours of each other; everything else stands alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from tests.api.test_relations import post
from tests.openapi import validate, validate_list


async def _v2(api: Any, who: Any, **params: Any) -> Any:
    resp = await api.get("/api/v2/notifications", params=params, headers=who.headers)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    validate(body, "GroupedNotificationsResults")
    return resp, body


async def _scene(api: Any, member: Any) -> tuple[Any, dict[str, Any], list[Any]]:
    """ada posts; three favourite it, two boost it, two follow ada, one mentions her."""
    ada = await member("ada")
    others = [await member(name) for name in ("bob", "cy", "dee")]
    status = await post(api, ada, "/api/v1/statuses", status="hello")
    for who in others:
        await post(api, who, f"/api/v1/statuses/{status['id']}/favourite")
    for who in others[:2]:
        await post(api, who, f"/api/v1/statuses/{status['id']}/reblog")
    for who in others[1:]:
        await post(api, who, f"/api/v1/accounts/{ada.user.account_id}/follow")
    await post(api, others[0], "/api/v1/statuses", status="@ada hi")
    return ada, status, others


async def test_groups_counts_samples_and_references(api: Any, member: Any) -> None:
    ada, status, (bob, cy, dee) = await _scene(api, member)
    _, body = await _v2(api, ada)
    groups = {g["type"]: g for g in body["notification_groups"]}
    assert [g["type"] for g in body["notification_groups"]] == \
        ["mention", "follow", "reblog", "favourite"]
    bob_id, cy_id, dee_id = (str(who.user.account_id) for who in (bob, cy, dee))
    assert groups["favourite"]["notifications_count"] == 3
    assert groups["favourite"]["sample_account_ids"] == [dee_id, cy_id, bob_id]
    assert groups["favourite"]["status_id"] == status["id"]
    assert groups["reblog"]["notifications_count"] == 2
    assert groups["follow"]["notifications_count"] == 2 and "status_id" not in groups["follow"]
    assert groups["mention"]["group_key"].startswith("ungrouped-")
    assert groups["mention"]["notifications_count"] == 1
    # Each account and status once, whatever the number of groups naming it.
    assert sorted(a["id"] for a in body["accounts"]) == sorted([bob_id, cy_id, dee_id])
    assert status["id"] in [s["id"] for s in body["statuses"]]
    assert len({s["id"] for s in body["statuses"]}) == len(body["statuses"])
    # The v1 list names the same groups.
    v1 = await (await api.get("/api/v1/notifications", headers=ada.headers)).json()
    assert {n["group_key"] for n in v1 if n["type"] == "favourite"} == \
        {groups["favourite"]["group_key"]}

    # Without grouping every notification stands alone.
    _, alone = await _v2(api, ada, **{"grouped_types[]": "follow"})
    kinds = [g["type"] for g in alone["notification_groups"]]
    assert kinds.count("favourite") == 3 and kinds.count("follow") == 1


async def test_a_group_closes_after_hours(api: Any, member: Any, clock: Any) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    status = await post(api, ada, "/api/v1/statuses", status="slow burner")
    await post(api, bob, f"/api/v1/statuses/{status['id']}/favourite")
    clock.advance(timedelta(hours=13))
    await post(api, cy, f"/api/v1/statuses/{status['id']}/favourite")
    _, body = await _v2(api, ada)
    assert [g["notifications_count"] for g in body["notification_groups"]] == [1, 1]
    assert len({g["group_key"] for g in body["notification_groups"]}) == 2


async def test_paging_one_group_and_its_accounts(api: Any, member: Any) -> None:
    ada, status, (bob, cy, dee) = await _scene(api, member)
    resp, first = await _v2(api, ada, limit="2")
    assert [g["type"] for g in first["notification_groups"]] == ["mention", "follow"]
    link = urlsplit(resp.headers["Link"].split(">")[0].lstrip("<"))
    second = await (await api.get(f"{link.path}?{link.query}", headers=ada.headers)).json()
    # The next page goes on below the first page's last notification: the older follow is
    # there, so its group comes again (clients merge groups by key), then the boosts.
    assert [g["type"] for g in second["notification_groups"]] == ["follow", "reblog"]
    assert second["notification_groups"][0]["group_key"] == \
        first["notification_groups"][1]["group_key"]
    assert first["notification_groups"][1]["page_min_id"] == \
        str(first["notification_groups"][1]["most_recent_notification_id"])
    third = await (await api.get("/api/v2/notifications", headers=ada.headers, params={
        "limit": "2", "max_id": second["notification_groups"][-1]["page_min_id"]})).json()
    assert [g["type"] for g in third["notification_groups"]] == ["reblog", "favourite"]

    key = next(g["group_key"] for g in third["notification_groups"] if g["type"] == "favourite")
    one = await (await api.get(f"/api/v2/notifications/{key}", headers=ada.headers)).json()
    validate(one, "GroupedNotificationsResults")
    assert one["notification_groups"][0]["notifications_count"] == 3
    accounts = await (await api.get(f"/api/v2/notifications/{key}/accounts",
                                    headers=ada.headers)).json()
    validate_list(accounts, "Account")
    assert [a["username"] for a in accounts] == ["dee", "cy", "bob"]
    assert (await api.get("/api/v2/notifications/favourite-1-1",
                          headers=ada.headers)).status == 404

    assert (await api.post(f"/api/v2/notifications/{key}/dismiss",
                           headers=ada.headers)).status == 200
    _, after = await _v2(api, ada)
    assert "favourite" not in [g["type"] for g in after["notification_groups"]]
    mention = next(g for g in after["notification_groups"] if g["type"] == "mention")
    assert (await api.post(f"/api/v2/notifications/{mention['group_key']}/dismiss",
                           headers=ada.headers)).status == 200
    _, last = await _v2(api, ada)
    assert [g["type"] for g in last["notification_groups"]] == ["follow", "reblog"]


async def test_unread_count_partial_accounts_and_bad_input(api: Any, member: Any) -> None:
    ada, _, _ = await _scene(api, member)
    count = await (await api.get("/api/v2/notifications/unread_count",
                                 headers=ada.headers)).json()
    assert count == {"count": 4}
    _, body = await _v2(api, ada)
    follow = next(g for g in body["notification_groups"] if g["type"] == "follow")
    await post(api, ada, "/api/v1/markers",
               notifications={"last_read_id": str(follow["most_recent_notification_id"])})
    count = await (await api.get("/api/v2/notifications/unread_count",
                                 headers=ada.headers)).json()
    assert count == {"count": 1}    # the mention, newer than the follows

    # Only each group's newest sender in full; the others as avatars.
    _, partial = await _v2(api, ada, expand_accounts="partial_avatars",
                           **{"types[]": "favourite"})
    [group] = partial["notification_groups"]
    assert [a["id"] for a in partial["accounts"]] == group["sample_account_ids"][:1]
    assert [a["id"] for a in partial["partial_accounts"]] == group["sample_account_ids"][1:]
    for account in partial["partial_accounts"]:
        validate(account, "PartialAccountWithAvatar")
    resp = await api.get("/api/v2/notifications", params={"expand_accounts": "some"},
                         headers=ada.headers)
    assert resp.status == 400 and "expand_accounts" in (await resp.json())["error"]
    assert (await api.get("/api/v2/notifications")).status == 401
