"""Posting from the compose form with images (multipart, alt text, sensitive) or a poll:
stored through the media service as the API stores uploads, refused posts shown again with
what was typed and the field named, and nothing of a refused post left behind."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
from PIL import Image

from server.config import Config
from server.db import Database
from tests.helpers import csrf_from
from tests.web.conftest import status_ids


def png(size: tuple[int, int] = (24, 16), colour: str = "red", *, exif: bool = False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, colour)
    if exif:
        info = image.getexif()
        info[0x010F] = "SecretCam"   # Make
        image.save(out, format="PNG", exif=info)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


async def post_multipart(browser: Any, path: str, fields: dict[str, str],
                         files: dict[str, tuple[str, bytes, str]] | None = None,
                         *, token_from: str = "/home") -> Any:
    page = await browser.client.get(token_from)
    data = aiohttp.FormData()
    data.add_field("csrf_token", csrf_from(await page.text()))
    for name, value in fields.items():
        data.add_field(name, value)
    for name, (filename, content, content_type) in (files or {}).items():
        data.add_field(name, content, filename=filename, content_type=content_type)
    return await browser.client.post(path, data=data, allow_redirects=False)


async def _count(db: Database, sql: str, *args: Any) -> int:
    async with db.acquire() as conn:
        return int(await conn.fetchval(sql, *args))


async def test_an_image_post_with_alt_text(member: Any, db: Database, config: Config,
                                           worker: Any) -> None:
    ada = await member("ada")
    resp = await post_multipart(ada, "/statuses",
                                {"status": "our garden", "description_0": "Red tomatoes",
                                 "sensitive": "on", "next": "/home"},
                                {"media_0": ("garden.png", png(exif=True), "image/png")})
    assert resp.status == 303 and resp.headers["Location"] == "/home?notice=posted"
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT m.description, m.file_path, m.preview_path, "
                                  "m.blurhash, s.sensitive FROM media_attachments m "
                                  "JOIN statuses s ON s.id = m.status_id "
                                  "WHERE m.account_id = $1", ada.account.id)
    assert row["description"] == "Red tomatoes" and row["sensitive"] is True
    assert row["blurhash"] and row["preview_path"]
    stored = (config.media_dir / row["file_path"]).read_bytes()
    assert b"SecretCam" not in stored   # re-encoded: no EXIF survives
    await worker().run_until_idle()
    status, page = await ada.page("/home")
    assert status == 200
    assert 'alt="Red tomatoes"' in page
    assert "<summary>Sensitive media (1)</summary>" in page


async def test_a_poll_from_the_form_and_a_vote(member: Any, db: Database, worker: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    resp = await post_multipart(ada, "/statuses", {
        "status": "Lunch?", "poll_option_0": "soup", "poll_option_1": "salad",
        "poll_option_2": "", "poll_expires_in": "3600", "poll_multiple": "on"})
    assert resp.status == 303
    async with db.acquire() as conn:
        poll = await conn.fetchrow("SELECT id, status_id, options, multiple FROM polls")
    assert poll["options"] == ["soup", "salad"] and poll["multiple"] is True
    _, page = await bob.page(f"/@ada/{poll['status_id']}")
    assert 'type="checkbox" name="choices" value="1"> salad' in page
    # Both choices, as checkboxes send them: one field each.
    token = csrf_from(page)
    resp = await bob.client.post(f"/polls/{poll['id']}/votes", allow_redirects=False,
                                 data=[("csrf_token", token), ("choices", "0"),
                                       ("choices", "1"), ("next", f"/@ada/{poll['status_id']}")])
    assert resp.status == 303
    assert resp.headers["Location"] == f"/@ada/{poll['status_id']}#status-{poll['status_id']}"
    assert await _count(db, "SELECT count(*) FROM poll_votes WHERE account_id = $1",
                        bob.account.id) == 2
    _, page = await bob.page(f"/@ada/{poll['status_id']}")
    assert "soup: 1 vote (50%) <strong>· your choice</strong>" in page
    assert 'name="choices"' not in page
    # A second vote is refused with a readable page; nothing more is counted.
    resp = await bob.client.post(f"/polls/{poll['id']}/votes", allow_redirects=False,
                                 data=[("csrf_token", token), ("choices", "0")])
    assert resp.status == 422 and "already voted" in await resp.text()
    assert await _count(db, "SELECT count(*) FROM poll_votes") == 2


async def test_a_vote_needs_the_csrf_token_and_a_visible_poll(member: Any, db: Database) -> None:
    ada, bob = await member("ada"), await member("bob")
    await post_multipart(ada, "/statuses", {
        "status": "secret poll", "visibility": "private", "poll_option_0": "a",
        "poll_option_1": "b", "poll_expires_in": "3600"})
    async with db.acquire() as conn:
        poll_id = await conn.fetchval("SELECT id FROM polls")
    resp = await bob.client.post(f"/polls/{poll_id}/votes", data={"choices": "0"},
                                 allow_redirects=False)
    assert resp.status == 403
    page = await bob.client.get("/home")
    resp = await bob.client.post(f"/polls/{poll_id}/votes", allow_redirects=False,
                                 data={"choices": "0", "csrf_token": csrf_from(await page.text())})
    assert resp.status == 404   # followers only, and Bob does not follow Ada
    assert await _count(db, "SELECT count(*) FROM poll_votes") == 0


async def test_refused_posts_keep_what_was_typed(member: Any, db: Database) -> None:
    ada = await member("ada")
    # Not an image: 422, the text and alt text kept, the file field named.
    resp = await post_multipart(ada, "/statuses", {"status": "my notes", "description_0": "notes"},
                                {"media_0": ("notes.txt", b"plain words", "text/plain")})
    page = await resp.text()
    assert resp.status == 422
    assert "Image 1:" in page and "content type is invalid" in page
    assert ">my notes</textarea>" in page and ">notes</textarea>" in page
    assert 'name="media_0" accept="image/jpeg,image/png,image/gif,image/webp" ' \
        'aria-invalid="true"' in page
    # A poll with one option: 422 naming the poll, the option kept.
    resp = await post_multipart(ada, "/statuses", {"status": "pick", "poll_option_0": "only",
                                                   "poll_expires_in": "3600"})
    page = await resp.text()
    assert resp.status == 422 and "2 to 4 options" in page
    assert 'name="poll_option_0" maxlength="50" value="only" aria-invalid="true"' in page
    # Images and a poll together, the second image good: refused, the stored image removed.
    resp = await post_multipart(
        ada, "/statuses", {"status": "both", "poll_option_0": "x", "poll_option_1": "y",
                           "poll_expires_in": "3600"},
        {"media_0": ("a.png", png(), "image/png")})
    assert resp.status == 422 and "both files and a poll" in await resp.text()
    # A bad second image after a good first one: the first is not left behind.
    resp = await post_multipart(ada, "/statuses", {"status": "two"},
                                {"media_0": ("a.png", png(), "image/png"),
                                 "media_1": ("b.png", b"\x89PNG broken", "image/png")})
    assert resp.status == 422 and "Image 2:" in await resp.text()
    assert await _count(db, "SELECT count(*) FROM media_attachments") == 0
    assert await _count(db, "SELECT count(*) FROM statuses") == 0


async def test_an_image_over_the_limit_is_413(member: Any, db: Database, monkeypatch: Any) -> None:
    from server.web.social import composing

    monkeypatch.setattr(composing, "IMAGE_SIZE_LIMIT", 1000)
    ada = await member("ada")
    resp = await post_multipart(ada, "/statuses", {"status": "big one"},
                                {"media_0": ("big.png", png((300, 300), "blue") + b"\0" * 2000,
                                             "image/png")})
    page = await resp.text()
    assert resp.status == 413 and "too large" in page and ">big one</textarea>" in page
    assert await _count(db, "SELECT count(*) FROM media_attachments") == 0


async def test_compose_needs_a_session_and_a_token(member: Any, stranger: Any,
                                                   db: Database) -> None:
    ada = await member("ada")
    resp = await ada.client.post("/statuses", data={"status": "no token"}, allow_redirects=False)
    assert resp.status == 403
    page = await stranger.get("/auth/sign_in")
    data = aiohttp.FormData()
    data.add_field("csrf_token", csrf_from(await page.text()))
    data.add_field("status", "anonymous")
    resp = await stranger.post("/statuses", data=data, allow_redirects=False)
    assert resp.status == 401
    assert await _count(db, "SELECT count(*) FROM statuses") == 0
    assert status_ids((await ada.page("/home"))[1]) == []


async def test_alt_text_edited_after_posting(member: Any, db: Database, worker: Any) -> None:
    """The edit page has each image's description; a changed one is saved as an edit, the
    earlier version keeps the old one, and too long a description is refused."""
    ada = await member("ada")
    await post_multipart(ada, "/statuses", {"status": "our garden", "description_0": "Tomatoes",
                                            "next": "/home"},
                         {"media_0": ("garden.png", png(), "image/png")})
    async with db.acquire() as conn:
        status_id, media_id = await conn.fetchrow(
            "SELECT status_id, id FROM media_attachments WHERE account_id = $1", ada.account.id)
    edit = f"/statuses/{status_id}/edit"
    status, page = await ada.page(edit)
    assert status == 200 and f'name="description_{media_id}"' in page and ">Tomatoes</textarea>" in page
    resp = await ada.form(edit, {"status": "our garden", "spoiler_text": "", "language": "",
                                 f"description_{media_id}": "Red tomatoes on the vine"},
                          token_from=edit)
    assert resp.status == 303, await resp.text()
    await worker().run_until_idle()
    status, page = await ada.page(f"/@ada/{status_id}")
    assert 'alt="Red tomatoes on the vine"' in page and "edited" in page
    async with db.acquire() as conn:
        kept = await conn.fetchval("SELECT media FROM status_edits WHERE status_id = $1", status_id)
    assert [m["description"] for m in kept] == ["Tomatoes"]
    resp = await ada.form(edit, {"status": "our garden", f"description_{media_id}": "d" * 1600},
                          token_from=edit)
    assert resp.status == 422 and "Description is too long" in await resp.text()
    assert await _count(db, "SELECT count(*) FROM status_edits WHERE status_id = $1", status_id) == 1
