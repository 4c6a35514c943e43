"""From a profile page: mute and block (and undo them), and report the account to the
moderators with the posts that show the problem, through the API's services."""

from __future__ import annotations

from typing import Any

from server.db import Database


async def _row(db: Database, sql: str, *args: Any) -> Any:
    async with db.acquire() as conn:
        return await conn.fetchrow(sql, *args)


async def test_mute_and_block_from_the_profile(member: Any, db: Database) -> None:
    ada, bea = await member("ada"), await member("bea")
    status, page = await ada.page("/@bea")
    assert status == 200 and ">Mute</button>" in page and ">Block</button>" in page
    assert f'href="/accounts/{bea.account.id}/report"' in page
    for action, shown in (("mute", ">Unmute</button>"), ("unmute", ">Mute</button>"),
                          ("block", ">Unblock</button>"), ("unblock", ">Block</button>")):
        resp = await ada.form(f"/accounts/{bea.account.id}/{action}", {"next": "/@bea"},
                              token_from="/@bea")
        assert resp.status == 303 and resp.headers["Location"] == "/@bea"
        assert shown in (await ada.page("/@bea"))[1], action
        if action == "mute":
            assert await _row(db, "SELECT 1 FROM mutes WHERE account_id = $1 AND target_account_id = $2",
                              ada.account.id, bea.account.id)
        if action == "block":
            assert await _row(db, "SELECT 1 FROM blocks WHERE account_id = $1 AND target_account_id = $2",
                              ada.account.id, bea.account.id)


async def test_report_an_account_with_its_posts(member: Any, stranger: Any, db: Database) -> None:
    ada, bea = await member("ada"), await member("bea")
    resp = await bea.form("/statuses", {"status": "buy cheap watches", "visibility": "public"},
                          token_from="/home")
    assert resp.status == 303
    post_id = (await _row(db, "SELECT id FROM statuses WHERE account_id = $1",
                          bea.account.id))["id"]
    path = f"/accounts/{bea.account.id}/report"
    resp = await stranger.get(path, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/auth/sign_in")
    status, page = await ada.page(path)
    assert status == 200 and "Report @bea" in page and "buy cheap watches" in page
    assert "anonymous copy" not in page          # a local account: nobody to forward to
    assert (await ada.page(f"/accounts/{ada.account.id}/report"))[0] == 404

    resp = await ada.form(path, {"category": "violation", "comment": "see post"}, token_from=path)
    assert resp.status == 422 and "Name the rules that were broken" in await resp.text()
    assert await _row(db, "SELECT 1 FROM reports") is None
    resp = await ada.form(path, {"category": "spam", "status_ids": str(post_id),
                                 "comment": "Adverts in every post"}, token_from=path)
    assert resp.status == 303 and resp.headers["Location"] == "/@bea?notice=report_sent"
    report = await _row(db, "SELECT reporter_account_id, target_account_ids, status_ids, "
                            "category, comment, forward FROM reports")
    assert dict(report) == {"reporter_account_id": ada.account.id,
                            "target_account_ids": [bea.account.id], "status_ids": [post_id],
                            "category": "spam", "comment": "Adverts in every post",
                            "forward": False}
    assert "Your report is with the moderators" in (await ada.page("/@bea?notice=report_sent"))[1]
