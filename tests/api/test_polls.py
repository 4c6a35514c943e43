"""`GET /api/v1/polls/:id`, `POST /api/v1/polls/:id/votes`, and expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.accounts import queries as accounts_q
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.statuses import service as statuses
from server.statuses.compose import Draft, PollDraft
from tests.api.conftest import Member
from tests.openapi import validate


async def post_poll(db: Database, config: Config, clock: FrozenClock, author: Member, *,
                    options: tuple[str, ...] = ("tea", "coffee", "water"),
                    multiple: bool = False, hide_totals: bool = False,
                    visibility: str = "public") -> tuple[int, int]:
    async with db.transaction() as conn:
        account = await accounts_q.get_account(conn, account_id=author.user.account_id)
        assert account is not None
        status = await statuses.create_status(conn, config=config, author=account, now=clock.now(),
                                              draft=Draft(text="Which?", visibility=visibility,
                                                          poll=PollDraft(list(options),
                                                                         timedelta(hours=1),
                                                                         multiple, hide_totals)))
        poll_id = await conn.fetchval("SELECT id FROM polls WHERE status_id = $1", status.id)
    return status.id, int(poll_id)


async def test_get_and_vote_give_mastodon_poll_entities(api: Any, db: Database, api_config: Config,
                                                        clock: FrozenClock, member: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    _, poll_id = await post_poll(db, api_config, clock, ada)
    resp = await api.get(f"/api/v1/polls/{poll_id}", headers=bob.headers)
    assert resp.status == 200
    entity = await resp.json()
    validate(entity, "Poll")
    assert entity["voted"] is False and entity["own_votes"] == [] and entity["votes_count"] == 0
    assert [o["title"] for o in entity["options"]] == ["tea", "coffee", "water"]
    resp = await api.post(f"/api/v1/polls/{poll_id}/votes", headers=bob.headers,
                          json={"choices": ["1"]})
    assert resp.status == 200, await resp.text()
    entity = await resp.json()
    validate(entity, "Poll")
    assert entity["voted"] is True and entity["own_votes"] == [1]
    assert [o["votes_count"] for o in entity["options"]] == [0, 1, 0]
    assert entity["votes_count"] == 1 and entity["voters_count"] == 1
    anonymous = await (await api.get(f"/api/v1/polls/{poll_id}")).json()
    validate(anonymous, "Poll")
    assert anonymous["voted"] is None and anonymous["own_votes"] is None


async def test_bad_votes_are_422_and_store_nothing(api: Any, db: Database, api_config: Config,
                                                   clock: FrozenClock, member: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    _, poll_id = await post_poll(db, api_config, clock, ada)
    url = f"/api/v1/polls/{poll_id}/votes"
    for choices in (["0", "1"], ["3"], ["-1"], ["x"], []):
        resp = await api.post(url, headers=bob.headers, json={"choices": choices})
        assert resp.status == 422, choices
        assert "error" in await resp.json()
    assert (await api.post(url, headers=bob.headers, json={"choices": ["0"]})).status == 200
    again = await api.post(url, headers=bob.headers, json={"choices": ["2"]})
    assert again.status == 422 and "already voted" in (await again.json())["error"]
    clock.advance(timedelta(hours=2))
    late = await api.post(url, headers=ada.headers, json={"choices": ["0"]})
    assert late.status == 422 and "ended" in (await late.json())["error"]
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM poll_votes") == 1


async def test_multiple_choice_and_hidden_totals(api: Any, db: Database, api_config: Config,
                                                 clock: FrozenClock, member: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    _, poll_id = await post_poll(db, api_config, clock, ada, multiple=True, hide_totals=True)
    resp = await api.post(f"/api/v1/polls/{poll_id}/votes", headers=bob.headers,
                          data=[("choices[]", "0"), ("choices[]", "2")])
    assert resp.status == 200, await resp.text()
    entity = await resp.json()
    validate(entity, "Poll")
    assert entity["own_votes"] == [0, 2] and entity["votes_count"] == 2
    assert [o["votes_count"] for o in entity["options"]] == [None, None, None]
    clock.advance(timedelta(hours=2))
    after = await (await api.get(f"/api/v1/polls/{poll_id}", headers=bob.headers)).json()
    validate(after, "Poll")
    assert after["expired"] is True
    assert [o["votes_count"] for o in after["options"]] == [1, 0, 1]


async def test_a_poll_on_a_status_the_viewer_cannot_see_is_404(api: Any, db: Database,
                                                               api_config: Config,
                                                               clock: FrozenClock,
                                                               member: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    _, poll_id = await post_poll(db, api_config, clock, ada, visibility="private")
    assert (await api.get(f"/api/v1/polls/{poll_id}", headers=bob.headers)).status == 404
    resp = await api.post(f"/api/v1/polls/{poll_id}/votes", headers=bob.headers,
                          json={"choices": ["0"]})
    assert resp.status == 404
    assert (await api.get("/api/v1/polls/999", headers=bob.headers)).status == 404
    assert (await api.get(f"/api/v1/polls/{poll_id}", headers=ada.headers)).status == 200


async def test_expiry_closes_the_poll_and_notifies_voters_and_author(
        api: Any, db: Database, api_config: Config, clock: FrozenClock, member: Any,
        worker: Any) -> None:
    ada, bob, cyd = await member("ada"), await member("bob"), await member("cyd")
    status_id, poll_id = await post_poll(db, api_config, clock, ada)
    for who, choice in ((bob, "0"), (cyd, "2")):
        assert (await api.post(f"/api/v1/polls/{poll_id}/votes", headers=who.headers,
                               json={"choices": [choice]})).status == 200
    await worker().run_until_idle()
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM notifications WHERE type = 'poll'") == 0
    clock.advance(timedelta(hours=1, seconds=1))
    await worker().run_until_idle()
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT closed_at FROM polls WHERE id = $1", poll_id)
        rows = await conn.fetch("SELECT account_id, from_account_id, status_id FROM notifications "
                                "WHERE type = 'poll' ORDER BY account_id")
    assert {r["account_id"] for r in rows} == {a.user.account_id for a in (ada, bob, cyd)}
    assert all(r["from_account_id"] == ada.user.account_id and r["status_id"] == status_id
               for r in rows)


async def test_editing_the_poll_as_mastodon_does(api: Any, db: Database, api_config: Config,
                                                 clock: FrozenClock, member: Any) -> None:
    """PUT /api/v1/statuses/:id with the same options keeps the votes and runs the poll for
    expires_in from now; other options clear them; no poll removes it; the history keeps
    each version's options."""
    ada, bob = await member("ada"), await member("bob")
    status_id, poll_id = await post_poll(db, api_config, clock, ada)
    path = f"/api/v1/statuses/{status_id}"
    resp = await api.post(f"/api/v1/polls/{poll_id}/votes", json={"choices": [1]},
                          headers=bob.headers)
    assert resp.status == 200
    clock.advance(timedelta(minutes=30))

    same = {"status": "Which one?", "poll": {"options": ["tea", "coffee", "water"],
                                             "expires_in": 7200}}
    resp = await api.put(path, json=same, headers=ada.headers)
    assert resp.status == 200, await resp.text()
    poll = (await resp.json())["poll"]
    validate(poll, "Poll")
    assert poll["votes_count"] == 1 and poll["options"][1]["votes_count"] == 1
    assert poll["expires_at"].startswith((clock.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))

    changed = {"status": "Which one?", "poll": {"options": ["tea", "juice"], "expires_in": 3600,
                                                "multiple": True}}
    resp = await api.put(path, json=changed, headers=ada.headers)
    poll = (await resp.json())["poll"]
    assert [o["title"] for o in poll["options"]] == ["tea", "juice"]
    assert poll["votes_count"] == 0 and poll["multiple"] is True and poll["id"] == str(poll_id)
    resp = await api.post(f"/api/v1/polls/{poll_id}/votes", json={"choices": [0, 1]},
                          headers=bob.headers)
    assert resp.status == 200 and (await resp.json())["voters_count"] == 1

    # Bad poll: refused, nothing changed.
    resp = await api.put(path, json={"status": "x", "poll": {"options": ["only"], "expires_in": 3600}},
                         headers=ada.headers)
    assert resp.status == 422
    assert (await (await api.get(path, headers=ada.headers)).json())["poll"]["votes_count"] == 2

    resp = await api.put(path, json={"status": "No poll after all"}, headers=ada.headers)
    assert resp.status == 200 and (await resp.json())["poll"] is None
    assert (await api.get(f"/api/v1/polls/{poll_id}", headers=bob.headers)).status == 404
    history = await (await api.get(f"{path}/history", headers=ada.headers)).json()
    assert [[o["title"] for o in (v["poll"] or {}).get("options", [])] for v in history] == [
        ["tea", "coffee", "water"], ["tea", "coffee", "water"], ["tea", "juice"], []]
