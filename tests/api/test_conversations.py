"""Conversations keep each participant's state: a message from someone else is unread until
POST /api/v1/conversations/:id/read; DELETE removes one from the list until a new message
arrives in it."""

from __future__ import annotations

from typing import Any

from tests.api.test_relations import post
from tests.openapi import validate, validate_list


async def _listed(api: Any, who: Any) -> list[dict[str, Any]]:
    resp = await api.get("/api/v1/conversations", headers=who.headers)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    validate_list(body, "Conversation")
    return list(body)


async def test_read_and_remove_a_conversation(api: Any, member: Any) -> None:
    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    first = await post(api, ada, "/api/v1/statuses", status="@bea psst", visibility="direct")
    [mine] = await _listed(api, ada)
    [hers] = await _listed(api, bea)
    assert mine["unread"] is False and hers["unread"] is True
    assert mine["id"] == hers["id"]
    url = f"/api/v1/conversations/{hers['id']}"

    read = await post(api, bea, f"{url}/read")
    validate(read, "Conversation")
    assert read["unread"] is False and read["last_status"]["id"] == first["id"]
    assert [c["unread"] for c in await _listed(api, bea)] == [False]
    # Not Cy's conversation; nor a conversation at all.
    for path in (f"{url}/read", "/api/v1/conversations/12345/read"):
        assert (await api.post(path, headers=cy.headers)).status == 404
    assert (await api.delete(url, headers=cy.headers)).status == 404

    # Ada's answer is new to Bea again; Ada's own message is not unread for her.
    answer = await post(api, ada, "/api/v1/statuses", status="@bea still there?",
                        visibility="direct", in_reply_to_id=first["id"])
    [hers] = await _listed(api, bea)
    assert hers["unread"] is True and hers["last_status"]["id"] == answer["id"]
    assert [c["unread"] for c in await _listed(api, ada)] == [False]

    # Removed, it leaves Bea's list (not Ada's) until someone writes in it again.
    resp = await api.delete(url, headers=bea.headers)
    assert resp.status == 200 and await resp.json() == {}
    assert await _listed(api, bea) == []
    assert (await api.post(f"{url}/read", headers=bea.headers)).status == 404
    assert len(await _listed(api, ada)) == 1
    again = await post(api, ada, "/api/v1/statuses", status="@bea hello?", visibility="direct",
                       in_reply_to_id=answer["id"])
    [back] = await _listed(api, bea)
    assert back["id"] == hers["id"] and back["unread"] is True
    assert back["last_status"]["id"] == again["id"]


async def test_scopes_for_conversations(api: Any, member: Any) -> None:
    ada = await member("ada")
    reader = await member("bea", scope="read")
    await post(api, ada, "/api/v1/statuses", status="@bea psst", visibility="direct")
    [conversation] = await _listed(api, reader)
    resp = await api.post(f"/api/v1/conversations/{conversation['id']}/read",
                          headers=reader.headers)
    assert resp.status == 403
    assert (await api.post(f"/api/v1/conversations/{conversation['id']}/read")).status == 401
    assert (await api.delete(f"/api/v1/conversations/{conversation['id']}")).status == 401
