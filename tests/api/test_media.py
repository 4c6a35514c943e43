"""Media uploads through /api/v1/media and /api/v2/media, and changes before attachment."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
from PIL import Image

from server.api.entities.media import render_media
from server.config import Config
from server.db import Database
from server.media import attachments
from tests.openapi import validate


def picture(fmt: str = "JPEG", size: tuple[int, int] = (900, 600), *,
            orientation: int | None = None, noise: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    if noise:
        image = Image.effect_noise(size, 80).convert("RGB")
    for x in range(size[0] // 2):
        image.putpixel((x, 0), (0, 0, 255))
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"      # Make
    if orientation is not None:
        exif[0x0112] = orientation
    kwargs: dict[str, Any] = {"exif": exif} if fmt in ("JPEG", "WEBP", "PNG") else {}
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def form(data: bytes, *, content_type: str = "image/jpeg", **fields: str) -> aiohttp.FormData:
    body = aiohttp.FormData()
    body.add_field("file", data, filename="upload", content_type=content_type)
    for k, v in fields.items():
        body.add_field(k, v)
    return body


async def upload(api: Any, who: Any, data: bytes, *, version: int = 1, **kw: Any) -> Any:
    return await api.post(f"/api/v{version}/media", data=form(data, **kw), headers=who.headers)


async def test_v1_upload_is_a_media_attachment(api: Any, member: Any,
                                               api_config: Config) -> None:
    ada = await member("ada")
    resp = await upload(api, ada, picture(), description="A red square", focus="0.5,-0.25")
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    validate(body, "MediaAttachment")
    assert body["type"] == "image" and body["description"] == "A red square"
    assert body["meta"]["original"] == {"width": 900, "height": 600, "size": "900x600",
                                        "aspect": 1.5}
    assert body["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert len(body["blurhash"]) == 28
    stored = await api.get(body["url"].removeprefix(api_config.url("")))
    assert stored.status == 200
    kept = Image.open(io.BytesIO(await stored.read()))
    assert kept.size == (900, 600) and "exif" not in kept.info
    preview = await api.get(body["preview_url"].removeprefix(api_config.url("")))
    assert preview.status == 200


async def test_orientation_is_applied_and_exif_dropped() -> None:
    done = attachments.process_media(picture(size=(300, 200), orientation=6), "image/jpeg")
    image = Image.open(io.BytesIO(done.original))
    assert image.size == (200, 300)
    assert not image.getexif()


async def test_large_pictures_shrink_to_the_pixel_limits() -> None:
    done = attachments.process_media(picture("PNG", (4000, 3000)), "image/png")
    width, height = done.meta["original"]["width"], done.meta["original"]["height"]
    assert width * height <= attachments.ORIGINAL_PIXELS
    assert abs(width / height - 4 / 3) < 0.01
    small = done.meta["small"]
    assert small["width"] * small["height"] <= attachments.PREVIEW_PIXELS


async def test_unsupported_and_oversized_files_are_refused(api: Any, member: Any,
                                                           db: Database) -> None:
    ada = await member("ada")
    cases = [(b"%PDF-1.4 not a picture", "application/pdf", "File content type is invalid"),
             (b"\x00\x00\x00\x18ftypmp42", "video/mp4", "video and audio are not"),
             (picture("BMP"), "image/bmp", "File content type is invalid"),
             (b"x" * (16 * 1024 * 1024 + 1), "image/jpeg", "file size must be less than")]
    for data, mime, message in cases:
        resp = await upload(api, ada, data, content_type=mime)
        assert resp.status == 422, (mime, await resp.text())
        assert message in (await resp.json())["error"]
    resp = await api.post("/api/v1/media", data={"description": "x"}, headers=ada.headers)
    assert resp.status == 422 and "File" in (await resp.json())["error"]
    resp = await upload(api, ada, picture(), focus="2,0")
    assert resp.status == 422 and "focus" in (await resp.json())["error"]
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM media_attachments") == 0


async def test_v2_small_upload_is_immediate_large_one_is_processed_later(
        api: Any, member: Any, worker: Any, api_config: Config) -> None:
    ada = await member("ada")
    resp = await upload(api, ada, picture(size=(200, 100)), version=2)
    assert resp.status == 200
    big = picture("PNG", (1400, 1000), noise=True)
    assert len(big) > 1024 * 1024
    resp = await upload(api, ada, big, version=2, content_type="image/png")
    assert resp.status == 202, await resp.text()
    body = await resp.json()
    validate(body, "MediaAttachment")
    assert body["url"] is None
    pending = await api.get(f"/api/v1/media/{body['id']}", headers=ada.headers)
    assert pending.status == 206
    await worker(worker_config=api_config).run_until_idle()
    ready = await api.get(f"/api/v1/media/{body['id']}", headers=ada.headers)
    assert ready.status == 200
    done = await ready.json()
    validate(done, "MediaAttachment")
    assert done["url"] and done["blurhash"] and done["meta"]["original"]["width"] == 1400


async def test_update_before_attachment_only(api: Any, member: Any, db: Database,
                                             api_config: Config) -> None:
    ada, bob = await member("ada"), await member("bob")
    body = await (await upload(api, ada, picture())).json()
    path = f"/api/v1/media/{body['id']}"
    resp = await api.put(path, json={"description": "Now described", "focus": "-1,1"},
                         headers=ada.headers)
    assert resp.status == 200
    changed = await resp.json()
    assert changed["description"] == "Now described"
    assert changed["meta"]["focus"] == {"x": -1.0, "y": 1.0}
    assert (await api.put(path, json={"description": "x"}, headers=bob.headers)).status == 404
    assert (await api.get(path, headers=bob.headers)).status == 404
    resp = await api.put(path, json={"description": "d" * 1501}, headers=ada.headers)
    assert resp.status == 422 and "Description" in (await resp.json())["error"]
    async with db.transaction() as conn:
        status_id = await _attach(conn, ada.user.account_id, int(body["id"]))
    resp = await api.put(path, json={"description": "late"}, headers=ada.headers)
    assert resp.status == 422
    async with db.acquire() as conn:
        grouped = await render_media(conn, api_config, [status_id, 12345])
    assert list(grouped) == [status_id]
    assert grouped[status_id][0]["description"] == "Now described"


async def _attach(conn: Any, account_id: int, media_id: int) -> int:
    from server.ids import new_id
    status_id = new_id()
    await conn.execute(
        "INSERT INTO statuses (id, account_id, uri, local, visibility, created_at, updated_at)"
        " VALUES ($1, $2, $3, true, 'public', now(), now())",
        status_id, account_id, f"https://ch.test/s/{status_id}")
    await conn.execute("UPDATE media_attachments SET status_id = $1 WHERE id = $2",
                       status_id, media_id)
    return status_id


async def test_the_attachment_in_a_status_is_the_attachment_of_the_media_api(
        api: Any, member: Any) -> None:
    """One serializer: what /api/v1/media/:id answers is what the status embeds."""
    ada = await member("ada")
    alone = await (await upload(api, ada, picture(), description="Red", focus="0.25,0.5")).json()
    resp = await api.post("/api/v1/statuses", json={"status": "look", "media_ids": [alone["id"]]},
                          headers=ada.headers)
    assert resp.status == 200, await resp.text()
    embedded = (await resp.json())["media_attachments"]
    assert embedded == [alone]
    shown = await (await api.get(f"/api/v1/media/{alone['id']}", headers=ada.headers)).json()
    assert shown == alone
    assert set(alone["meta"]) == {"original", "small", "focus"}
    assert alone["meta"]["focus"] == {"x": 0.25, "y": 0.5}


async def test_editing_the_post_changes_alt_text_and_keeps_the_old_in_history(
        api: Any, member: Any) -> None:
    """`media_attributes[]` on PUT /api/v1/statuses/:id (JSON, and the form-encoded
    `media_attributes[][id]` shape clients send), as Mastodon 4 edits alt text; the
    version before keeps its own descriptions."""
    ada, bob = await member("ada"), await member("bob")
    one = await (await upload(api, ada, picture(), description="Red")).json()
    two = await (await upload(api, ada, picture("PNG"))).json()
    resp = await api.post("/api/v1/statuses", headers=ada.headers,
                          json={"status": "look", "media_ids": [one["id"], two["id"]]})
    posted = await resp.json()
    path = f"/api/v1/statuses/{posted['id']}"
    resp = await api.put(path, headers=ada.headers, json={
        "status": "look", "media_ids": [one["id"], two["id"]],
        "media_attributes": [{"id": one["id"], "description": "A red square"},
                             {"id": two["id"], "description": "Another", "focus": "0.5,0.5"}]})
    assert resp.status == 200, await resp.text()
    edited = await resp.json()
    validate(edited, "Status")
    assert [m["description"] for m in edited["media_attachments"]] == ["A red square", "Another"]
    assert edited["media_attachments"][1]["meta"]["focus"] == {"x": 0.5, "y": 0.5}
    assert edited["edited_at"] is not None
    form_body = [("status", "look again"), ("media_ids[]", one["id"]), ("media_ids[]", two["id"]),
                 ("media_attributes[][id]", one["id"]),
                 ("media_attributes[][description]", "A red square, edited"),
                 ("media_attributes[][id]", two["id"])]
    resp = await api.put(path, headers=ada.headers, data=form_body)
    assert resp.status == 200, await resp.text()
    assert [m["description"] for m in (await resp.json())["media_attachments"]] == [
        "A red square, edited", "Another"]
    history = await (await api.get(f"{path}/history", headers=ada.headers)).json()
    assert [[m["description"] for m in v["media_attachments"]] for v in history] == [
        ["Red", None], ["A red square", "Another"], ["A red square, edited", "Another"]]

    # Only this post's attachments; a refused edit changes nothing.
    other = await (await upload(api, bob, picture())).json()
    for attributes in ([{"id": other["id"], "description": "mine now"}],
                       [{"id": one["id"], "description": "d" * 1501}],
                       [{"description": "no id"}]):
        resp = await api.put(path, headers=ada.headers, json={
            "status": "changed", "media_ids": [one["id"], two["id"]],
            "media_attributes": attributes})
        assert resp.status == 422, await resp.text()
    current = await (await api.get(path, headers=ada.headers)).json()
    assert current["content"] == "<p>look again</p>"
    assert len(await (await api.get(f"{path}/history", headers=ada.headers)).json()) == 3
    shown = await (await api.get(f"/api/v1/media/{other['id']}", headers=bob.headers)).json()
    assert shown["description"] is None


async def test_an_edit_names_the_attachments_it_keeps(api: Any, member: Any) -> None:
    """As Mastodon's edit: the attachments are those in media_ids, in that order; one left
    out leaves the post (the history keeps it), none given removes them all, and a file
    that is not the author's is refused with nothing changed."""
    ada, bob = await member("ada"), await member("bob")
    one, two, three = [await (await upload(api, ada, picture(), description=d)).json()
                       for d in ("one", "two", "three")]
    posted = await (await api.post("/api/v1/statuses", headers=ada.headers, json={
        "status": "three pictures", "media_ids": [one["id"], two["id"]]})).json()
    path = f"/api/v1/statuses/{posted['id']}"
    resp = await api.put(path, headers=ada.headers, json={
        "status": "reordered", "media_ids": [three["id"], one["id"]]})
    assert resp.status == 200, await resp.text()
    assert [m["description"] for m in (await resp.json())["media_attachments"]] == ["three", "one"]
    theirs = await (await upload(api, bob, picture())).json()
    resp = await api.put(path, headers=ada.headers, json={
        "status": "stolen", "media_ids": [theirs["id"]]})
    assert resp.status == 422 and "media" in (await resp.json())["error"]
    current = await (await api.get(path, headers=ada.headers)).json()
    assert current["content"] == "<p>reordered</p>" and len(current["media_attachments"]) == 2
    resp = await api.put(path, headers=ada.headers, json={"status": "words only"})
    assert (await resp.json())["media_attachments"] == []
    history = await (await api.get(f"{path}/history", headers=ada.headers)).json()
    assert [[m["description"] for m in v["media_attachments"]] for v in history] == [
        ["one", "two"], ["three", "one"], []]
