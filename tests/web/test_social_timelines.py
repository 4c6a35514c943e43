"""Posting from /home and reading the timelines as pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.db import Database
from server.ids import new_id
from server.media import queries as media_q
from server.statuses import service
from server.statuses.compose import Draft, PollDraft
from server.statuses import queries as statuses_q
from tests.helpers import csrf_from
from tests.web.conftest import status_ids


async def _count_statuses(db: Database, account_id: int) -> int:
    async with db.acquire() as conn:
        return int(await conn.fetchval(
            "SELECT count(*) FROM statuses WHERE account_id = $1", account_id))


async def test_home_asks_to_sign_in_and_comes_back(stranger: Any) -> None:
    resp = await stranger.get("/home?max_id=5", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == "/auth/sign_in?next=/home%3Fmax_id%3D5"
    resp = await stranger.get("/notifications", allow_redirects=False)
    assert resp.headers["Location"] == "/auth/sign_in?next=/notifications"


async def test_post_from_home_appears_on_the_timeline(member: Any, worker: Any,
                                                      db: Database) -> None:
    ada = await member("ada")
    resp = await ada.form("/statuses", {"status": "Hello #coop", "spoiler_text": "",
                                        "visibility": "public", "language": "en",
                                        "next": "/home"}, token_from="/home")
    assert resp.status == 303 and resp.headers["Location"] == "/home?notice=posted"
    await worker().run_until_idle()
    status, page = await ada.page("/home?notice=posted")
    assert status == 200
    assert "Your post is published." in page and "Hello" in page
    assert 'href="http://ch.test/tags/coop"' in page
    assert len(status_ids(page)) == 1
    status, page = await ada.page("/tags/coop")
    assert status == 200 and len(status_ids(page)) == 1
    status, page = await ada.page("/public/local")
    assert status == 200 and len(status_ids(page)) == 1


async def test_a_refused_post_keeps_the_text_and_stores_nothing(member: Any, db: Database) -> None:
    ada = await member("ada")
    long_text = "word " * 200
    resp = await ada.form("/statuses", {"status": long_text, "spoiler_text": "careful",
                                        "visibility": "private", "next": "/home"},
                          token_from="/home")
    assert resp.status == 422
    page = await resp.text()
    assert "character limit of 500" in page and 'role="alert"' in page
    assert long_text.strip() in page and 'value="careful"' in page
    assert '<option value="private" selected>' in page
    resp = await ada.form("/statuses", {"status": "   ", "next": "/home"}, token_from="/home")
    assert resp.status == 422 and "can&#39;t be blank" in await resp.text()
    resp = await ada.form("/statuses", {"status": "hi", "visibility": "everyone"},
                          token_from="/home")
    assert resp.status == 422
    resp = await ada.form("/statuses", {"status": "hi", "language": "English"},
                          token_from="/home")
    assert resp.status == 422
    assert await _count_statuses(db, ada.account.id) == 0


async def test_posting_needs_the_csrf_token_and_a_session(member: Any, stranger: Any,
                                                         db: Database) -> None:
    ada = await member("ada")
    resp = await ada.client.post("/statuses", data={"status": "forged"}, allow_redirects=False)
    assert resp.status == 403 and "did not come from this site" in await resp.text()
    page = await stranger.get("/auth/sign_in")
    token = csrf_from(await page.text())
    resp = await stranger.post("/statuses", data={"status": "who", "csrf_token": token},
                               allow_redirects=False)
    assert resp.status == 401
    assert await _count_statuses(db, ada.account.id) == 0


async def test_public_timeline_is_readable_signed_out_and_pages(member: Any, stranger: Any,
                                                                clock: Any) -> None:
    ada = await member("ada")
    for n in range(23):
        resp = await ada.form("/statuses", {"status": f"post {n}"}, token_from="/home")
        assert resp.status == 303
    resp = await ada.form("/statuses", {"status": "only followers", "visibility": "private"},
                          token_from="/home")
    assert resp.status == 303
    resp = await stranger.get("/public")
    page = await resp.text()
    assert resp.status == 200 and "only followers" not in page
    first = status_ids(page)
    assert len(first) == 20 and first == sorted(first, reverse=True)
    assert f'href="/public?max_id={first[-1]}"' in page
    resp = await stranger.get(f"/public/local?max_id={first[-1]}")
    rest = status_ids(await resp.text())
    assert len(rest) == 3 and max(rest) < min(first)
    assert "Older posts" not in await resp.text()
    # Signed out there are no forms to act with.
    assert "/favourite" not in page


async def test_timeline_pages_render_cw_media_polls_and_boosts(member: Any, worker: Any,
                                                               db: Database, config: Any,
                                                               clock: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    resp = await bob.form(f"/accounts/{ada.account.id}/follow", {}, token_from="/home")
    assert resp.status == 303
    resp = await ada.form("/statuses", {"status": "the ending", "spoiler_text": "spoilers"},
                          token_from="/home")
    async with db.transaction() as conn:
        media = await media_q.insert_media(
            conn, media_id=new_id(), account_id=ada.account.id, type_="image",
            file_path="media/a.png", preview_path="media/a_small.png", content_type="image/png",
            description="A red square", blurhash=None, meta={}, focus=(0.0, 0.0), now=clock.now())
        await service.create_status(conn, config=config, author=ada.account,
                                    draft=Draft(text="look", media_ids=[media.id]), now=clock.now())
        await service.create_status(conn, config=config, author=ada.account, now=clock.now(),
                                    draft=Draft(text="which?", poll=PollDraft(
                                        options=["tea", "coffee"],
                                        expires_in=timedelta(hours=1))))
    await worker().run_until_idle()
    async with db.acquire() as conn:
        sid = await conn.fetchval("SELECT id FROM statuses WHERE account_id = $1"
                                  " AND spoiler_text = 'spoilers'", ada.account.id)
    resp = await bob.form(f"/statuses/{sid}/reblog", {"next": "/home"}, token_from="/home")
    assert resp.status == 303 and resp.headers["Location"] == f"/home#status-{sid}"
    resp = await bob.form(f"/statuses/{sid}/favourite", {}, token_from="/home")
    assert resp.headers["Location"] == f"/statuses/{sid}#status-{sid}"
    await worker().run_until_idle()
    status, page = await bob.page("/home")
    assert len(status_ids(page)) == 3
    assert "<summary>Content warning: spoilers</summary>" in page
    assert 'aria-pressed="true">Unboost' in page and 'aria-pressed="true">Unfavourite' in page
    assert "1 boost" in page and "1 favourite" in page
    assert 'alt="A red square"' in page and "media/a.png" in page
    # Bob has not voted and the poll is open: he is offered its choices.
    assert 'type="radio" name="choices" value="0"> tea' in page
    status, page = await bob.page("/@bob")
    assert "Bob</a> boosted" in page or "bob</a> boosted" in page
    async with db.acquire() as conn:
        assert (await statuses_q.get_status(conn, status_id=sid)).reblogs_count == 1


async def test_odd_hashtags_and_cursors_are_handled(stranger: Any) -> None:
    assert (await stranger.get("/tags/%00x")).status == 404
    assert (await stranger.get("/tags/a%20b")).status == 404
    resp = await stranger.get("/tags/Café?max_id=99999999999999999999999")
    assert resp.status == 200 and "#Café" in await resp.text()


async def test_the_form_starts_from_the_members_posting_defaults(member: Any,
                                                                 db: Database) -> None:
    ada = await member("ada")
    async with db.transaction() as conn:
        await conn.execute("UPDATE users SET default_privacy = 'unlisted',"
                           " default_language = 'fr' WHERE account_id = $1", ada.account.id)
    status, page = await ada.page("/home")
    assert '<option value="unlisted" selected>' in page and 'name="language" value="fr"' in page
    resp = await ada.form("/statuses", {"status": "bonjour"}, token_from="/home")
    assert resp.status == 303
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT visibility, language FROM statuses"
                                  " WHERE account_id = $1", ada.account.id)
    assert (row["visibility"], row["language"]) == ("unlisted", "fr")


async def test_a_filter_that_warns_folds_the_post_and_one_that_hides_drops_it(
        member: Any, db: Database, clock: Any, worker: Any) -> None:
    from server.filters import service as filters
    from server.filters.service import KeywordChange

    ada = await member("ada")
    for text in ("about spiders", "about snakes", "about cats"):
        await ada.form("/statuses", {"status": text}, token_from="/home")
    async with db.transaction() as conn:
        for title, word, action in (("Arachnids", "spiders", "warn"),
                                    ("Reptiles", "snakes", "hide")):
            await filters.create_filter(conn, account_id=ada.account.id, title=title,
                                        context=["home", "public"], action=action,
                                        expires_in=None, keywords=[KeywordChange(word)],
                                        now=clock.now())
    await worker().run_until_idle()
    for path in ("/home", "/public"):
        status, page = await ada.page(path)
        assert "<summary>Filtered: Arachnids</summary>" in page
        assert "snakes" not in page and "about cats" in page
