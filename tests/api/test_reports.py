"""Reports through the API: stored for the moderators, who are notified; the Report entity
as Mastodon gives it; statuses of other accounts, unknown rules and bad input refused."""

from __future__ import annotations

from typing import Any

from server.accounts import queries as accounts_q
from server.db import Database
from server.notifications import queries as notifications_q
from server.statuses import service as statuses
from server.statuses.compose import Draft
from tests.openapi import validate


async def _post_as(db: Database, config: Any, clock: Any, account_id: int, text: str) -> int:
    async with db.transaction() as conn:
        author = await accounts_q.get_account(conn, account_id=account_id)
        status = await statuses.create_status(conn, config=config, author=author,
                                              draft=Draft(text=text), now=clock.now())
    return status.id


async def test_a_member_reports_an_account_and_the_moderators_hear_of_it(
        api: Any, member: Any, db: Database, api_config: Any, clock: Any) -> None:
    ada, spammer = await member("ada"), await member("spammer")
    mod = await member("mo", role="moderator")
    bad = await _post_as(db, api_config, clock, spammer.user.account_id, "Buy cheap pills")
    resp = await api.post("/api/v1/reports", headers=ada.headers, json={
        "account_id": str(spammer.user.account_id), "status_ids": [str(bad)],
        "comment": "Spam wave", "category": "spam"})
    assert resp.status == 200, await resp.text()
    report = await resp.json()
    validate(report, "Report")
    assert report["category"] == "spam" and report["status_ids"] == [str(bad)]
    assert report["target_account"]["id"] == str(spammer.user.account_id)
    assert report["action_taken"] is False and report["forwarded"] is False
    async with db.acquire() as conn:
        [note] = await notifications_q.list_notifications_for(conn,
                                                              account_id=mod.user.account_id)
        assert note["type"] == "admin.report"
        assert await notifications_q.list_notifications_for(
            conn, account_id=spammer.user.account_id) == []


async def test_bad_reports_are_refused_with_nothing_stored(
        api: Any, member: Any, db: Database, api_config: Any, clock: Any) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    cys_post = await _post_as(db, api_config, clock, cy.user.account_id, "Nothing wrong here")
    for body, field in [
        ({}, "account_id"),
        ({"account_id": "999999"}, "does not exist"),
        ({"account_id": str(ada.user.account_id)}, "yourself"),
        ({"account_id": str(bob.user.account_id), "status_ids": [str(cys_post)]}, "status"),
        ({"account_id": str(bob.user.account_id), "category": "rude"}, "category"),
        ({"account_id": str(bob.user.account_id), "category": "violation",
          "rule_ids": ["99"]}, "rules"),
        ({"account_id": str(bob.user.account_id), "comment": "x" * 1001}, "Comment"),
    ]:
        resp = await api.post("/api/v1/reports", headers=ada.headers, json=body)
        assert resp.status == 422, (body, await resp.text())
        assert field in (await resp.json())["error"], body
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM reports") == 0
    read_only = await member("dee", scope="read")
    resp = await api.post("/api/v1/reports", headers=read_only.headers,
                          json={"account_id": str(bob.user.account_id)})
    assert resp.status == 403
