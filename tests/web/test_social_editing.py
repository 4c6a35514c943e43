"""Editing one's own post from the web (a new version, the old one in the history page) and
the signed-in member's bookmarks and favourites pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.config import Config
from server.db import Database
from server.statuses import service
from server.statuses.compose import Draft
from tests.web.conftest import status_ids


async def _post(db: Database, config: Config, clock: Any, author: Any, text: str,
                **draft: Any) -> int:
    async with db.transaction() as conn:
        status = await service.create_status(conn, config=config, author=author,
                                             draft=Draft(text=text, **draft), now=clock.now())
    return status.id


async def test_editing_a_post_keeps_its_history(member: Any, db: Database, config: Config,
                                                clock: Any) -> None:
    ada = await member("ada")
    sid = await _post(db, config, clock, ada.account, "frist post")
    status, page = await ada.page(f"/statuses/{sid}/edit")
    assert status == 200 and ">frist post</textarea>" in page
    clock.advance(timedelta(minutes=1))
    resp = await ada.form(f"/statuses/{sid}/edit",
                          {"status": "first post", "spoiler_text": "typo fixed"},
                          token_from=f"/statuses/{sid}/edit")
    assert resp.status == 303
    assert resp.headers["Location"] == f"/@ada/{sid}?notice=edited#status-{sid}"
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT text_source, spoiler_text, edited_at FROM statuses"
                                  " WHERE id = $1", sid)
        edits = await conn.fetchval("SELECT count(*) FROM status_edits WHERE status_id = $1", sid)
        jobs = await conn.fetch("SELECT kind FROM jobs WHERE kind = 'federation.send_update'")
    assert row["text_source"] == "first post" and row["spoiler_text"] == "typo fixed"
    assert row["edited_at"] is not None and edits == 1 and len(jobs) == 1
    status, page = await ada.page(f"/@ada/{sid}?notice=edited")
    assert "Your post was changed" in page
    assert f'href="/statuses/{sid}/history">edited' in page
    status, page = await ada.page(f"/statuses/{sid}/history")
    assert status == 200
    assert page.index("first post") < page.index("frist post")   # newest first
    assert "Current version" in page and "Original" in page


async def test_only_the_author_edits_and_bad_edits_store_nothing(member: Any, db: Database,
                                                                  config: Config, clock: Any,
                                                                  stranger: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    sid = await _post(db, config, clock, ada.account, "mine")
    assert (await bob.page(f"/statuses/{sid}/edit"))[0] == 403
    resp = await bob.form(f"/statuses/{sid}/edit", {"status": "hijacked"})
    assert resp.status == 403
    hidden = await _post(db, config, clock, ada.account, "to me only", visibility="direct")
    assert (await bob.page(f"/statuses/{hidden}/edit"))[0] == 404
    assert (await bob.page(f"/statuses/{hidden}/history"))[0] == 404
    resp = await stranger.get(f"/statuses/{sid}/edit", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/auth/sign_in")
    # Too long: 422 with the text kept, nothing changed, no history written.
    resp = await ada.form(f"/statuses/{sid}/edit", {"status": "x" * 600})
    page = await resp.text()
    assert resp.status == 422 and "character limit" in page and "x" * 600 in page
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT text_source FROM statuses WHERE id = $1", sid) == "mine"
        assert await conn.fetchval("SELECT count(*) FROM status_edits") == 0
    resp = await ada.client.post(f"/statuses/{sid}/edit", data={"status": "no token"},
                                 allow_redirects=False)
    assert resp.status == 403


async def test_bookmarks_and_favourites_pages(member: Any, db: Database, config: Config,
                                              clock: Any, stranger: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    ids = []
    for n in range(22):
        ids.append(await _post(db, config, clock, ada.account, f"post {n}"))
        clock.advance(timedelta(seconds=1))
    for sid in ids:
        assert (await bob.form(f"/statuses/{sid}/bookmark", {}, token_from="/public")).status == 303
    await bob.form(f"/statuses/{ids[0]}/favourite", {}, token_from="/public")
    status, page = await bob.page("/bookmarks")
    assert status == 200 and status_ids(page) == list(reversed(ids))[:20]
    assert 'aria-pressed="true">Remove bookmark' in page
    older = page.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    status, page = await bob.page(older.replace("&amp;", "&"))
    assert status_ids(page) == [ids[1], ids[0]]
    status, page = await bob.page("/favourites")
    assert status_ids(page) == [ids[0]]
    # Ada's own lists are her own.
    assert status_ids((await ada.page("/bookmarks"))[1]) == []
    resp = await stranger.get("/favourites", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/auth/sign_in?next=/favourites"
