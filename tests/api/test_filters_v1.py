"""Filters v1 (/api/v1/filters): each keyword of a v2 filter is one v1 filter. Created ones
are v2 filters with a single keyword; `irreversible` is the hide action; filter-wide fields
of a filter with several keywords cannot be changed through one of them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.clock import FrozenClock
from tests.openapi import validate, validate_list

V1, V2 = "/api/v1/filters", "/api/v2/filters"


async def _ok(resp: Any) -> Any:
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_v1_filters_are_v2_filters_with_one_keyword(api: Any, member: Any,
                                                          clock: FrozenClock) -> None:
    ada = await member("ada")
    created = await _ok(await api.post(V1, headers=ada.headers, json={
        "phrase": "finale", "context": ["home", "thread"], "irreversible": True,
        "whole_word": False, "expires_in": 3600}))
    validate(created, "V1Filter")
    assert created["phrase"] == "finale" and created["context"] == ["home", "thread"]
    assert created["irreversible"] is True and created["whole_word"] is False
    assert created["expires_at"] == (clock.now() + timedelta(hours=1)).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")

    as_v2 = await _ok(await api.get(V2, headers=ada.headers))
    assert len(as_v2) == 1
    assert as_v2[0]["title"] == "finale" and as_v2[0]["filter_action"] == "hide"
    assert [(k["id"], k["keyword"]) for k in as_v2[0]["keywords"]] == [
        (created["id"], "finale")]

    url = f"{V1}/{created['id']}"
    assert await _ok(await api.get(url, headers=ada.headers)) == created
    changed = await _ok(await api.put(url, headers=ada.headers, data={
        "phrase": "season finale", "context[]": ["public"], "irreversible": "false",
        "expires_in": ""}))
    validate(changed, "V1Filter")
    assert changed == {"id": created["id"], "phrase": "season finale", "context": ["public"],
                       "whole_word": False, "expires_at": None, "irreversible": False}
    as_v2 = await _ok(await api.get(f"{V2}/{as_v2[0]['id']}", headers=ada.headers))
    assert as_v2["title"] == "season finale" and as_v2["filter_action"] == "warn"
    # Absent fields stay as they are; whole_word defaults to true on creation.
    kept = await _ok(await api.put(url, headers=ada.headers, json={"whole_word": True}))
    assert kept["context"] == ["public"] and kept["whole_word"] is True
    plain = await _ok(await api.post(V1, headers=ada.headers,
                                     json={"phrase": "spoiler", "context": ["home"]}))
    assert plain["whole_word"] is True and plain["irreversible"] is False
    assert plain["expires_at"] is None

    listed = await _ok(await api.get(V1, headers=ada.headers))
    validate_list(listed, "V1Filter")
    assert [f["phrase"] for f in listed] == ["season finale", "spoiler"]
    assert await _ok(await api.delete(url, headers=ada.headers)) == {}
    assert (await api.get(url, headers=ada.headers)).status == 404
    assert [f["phrase"] for f in await _ok(await api.get(V1, headers=ada.headers))] == [
        "spoiler"]


async def test_a_v2_filter_with_several_keywords(api: Any, member: Any) -> None:
    ada = await member("ada")
    made = await _ok(await api.post(V2, headers=ada.headers, json={
        "title": "TV", "context": ["home"], "filter_action": "warn",
        "keywords_attributes": [{"keyword": "finale"}, {"keyword": "cliffhanger",
                                                        "whole_word": False}]}))
    listed = await _ok(await api.get(V1, headers=ada.headers))
    validate_list(listed, "V1Filter")
    assert [(f["phrase"], f["whole_word"], f["context"]) for f in listed] == [
        ("finale", True, ["home"]), ("cliffhanger", False, ["home"])]
    url = f"{V1}/{listed[0]['id']}"
    # The keyword itself may change; what the other keyword shares may not.
    assert (await _ok(await api.put(url, headers=ada.headers,
                                    json={"whole_word": False})))["whole_word"] is False
    for body in ({"context": ["public"]}, {"irreversible": True}, {"expires_in": 60},
                 {"phrase": "season finale"}):
        resp = await api.put(url, headers=ada.headers, json=body)
        assert resp.status == 422, body
        assert "more than one keyword" in (await resp.json())["error"]
    after = await _ok(await api.get(f"{V2}/{made['id']}", headers=ada.headers))
    assert after["context"] == ["home"] and after["filter_action"] == "warn"
    assert sorted(k["keyword"] for k in after["keywords"]) == ["cliffhanger", "finale"]
    # Unchanged values are not a change.
    same = await _ok(await api.put(url, headers=ada.headers,
                                   json={"context": ["home"], "irreversible": False}))
    assert same["context"] == ["home"]
    # Deleting one removes that keyword only.
    await _ok(await api.delete(url, headers=ada.headers))
    after = await _ok(await api.get(f"{V2}/{made['id']}", headers=ada.headers))
    assert [k["keyword"] for k in after["keywords"]] == ["cliffhanger"]


async def test_v1_filters_apply_and_bad_input_is_refused(api: Any, member: Any) -> None:
    ada, bea = await member("ada"), await member("bea")
    await _ok(await api.post(V1, headers=ada.headers,
                             json={"phrase": "carrots", "context": ["public"]}))
    await _ok(await api.post("/api/v1/statuses", headers=bea.headers,
                             json={"status": "Carrots are up"}))
    public = await _ok(await api.get("/api/v1/timelines/public", headers=ada.headers))
    assert [r["filter"]["title"] for r in public[0]["filtered"]] == ["carrots"]
    assert [m.lower() for m in public[0]["filtered"][0]["keyword_matches"]] == ["carrots"]

    for body, field in (({"context": ["home"]}, "phrase"), ({"phrase": " ", "context": ["home"]},
                                                            "phrase"),
                        ({"phrase": "x"}, "context"), ({"phrase": "x", "context": ["nowhere"]},
                                                       "context"),
                        ({"phrase": "x" * 300, "context": ["home"]}, "phrase"),
                        ({"phrase": "x", "context": ["home"], "expires_in": -5}, "expires_in")):
        resp = await api.post(V1, headers=ada.headers, json=body)
        assert resp.status == 422, body
        assert field in (await resp.json())["error"].lower(), body
    assert len(await _ok(await api.get(V1, headers=ada.headers))) == 1
    mine = (await _ok(await api.get(V1, headers=ada.headers)))[0]
    for method in ("GET", "PUT", "DELETE"):
        resp = await api.request(method, f"{V1}/{mine['id']}", headers=bea.headers, json={})
        assert resp.status == 404, method
    assert (await api.get(V1)).status == 401
    read_only = await member("cy", scope="read")
    resp = await api.post(V1, headers=read_only.headers, json={"phrase": "x", "context": ["home"]})
    assert resp.status == 403
