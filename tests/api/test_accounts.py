"""Accounts through the client API: one's own profile, editing it (with real pictures),
lookups and relationships, each answer checked against the OpenAPI schemas."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.ids import new_id
from tests.openapi import validate

VERIFY = "/api/v1/accounts/verify_credentials"
UPDATE = "/api/v1/accounts/update_credentials"


def picture(fmt: str = "JPEG", size: tuple[int, int] = (900, 600), *, exif: bool = True) -> bytes:
    image = Image.new("RGBA" if fmt == "PNG" else "RGB", size, (200, 80, 40))
    out = io.BytesIO()
    extra: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "CameraMaker"        # Make
        data[0x0112] = 6                    # Orientation: rotate 90° clockwise to show
        data[0x8825] = {1: "N", 2: (52.0, 22.0, 0.0)}   # GPS
        extra["exif"] = data.tobytes()
    image.save(out, format=fmt, **extra)
    return out.getvalue()


async def remote_account(db: Database, username: str = "alice", domain: str = "mastodon.test",
                         **columns: Any) -> int:
    account_id = new_id()
    async with db.acquire() as conn:
        await conn.execute(
            "INSERT INTO accounts (id, username, domain, uri, url, display_name, created_at, "
            "updated_at, remote_followers_count) VALUES ($1, $2, $3, $4, $5, $6, now(), now(), 12)",
            account_id, username, domain, f"https://{domain}/users/{username}",
            f"https://{domain}/@{username}", username.title())
        for column, value in columns.items():
            await conn.execute(f"UPDATE accounts SET {column} = $2 WHERE id = $1",
                               account_id, value)
    return account_id


async def test_verify_credentials_is_a_credential_account(api: Any, member: Any) -> None:
    ada = await member("ada")
    resp = await api.get(VERIFY, headers=ada.headers)
    assert resp.status == 200
    me = await resp.json()
    validate(me, "CredentialAccount")
    assert me["id"] == str(ada.user.account_id) and me["acct"] == "ada"
    assert me["source"]["privacy"] == "public" and me["source"]["note"] == ""
    assert me["role"]["id"] == "-99"
    assert me["created_at"].endswith("T00:00:00.000Z")
    assert me["avatar"] == "http://ch.test/avatars/original/missing.png"
    missing = await api.get("/avatars/original/missing.png")
    assert missing.status == 200 and missing.content_type == "image/png"


async def test_update_credentials_changes_text_flags_fields_and_defaults(
        api: Any, member: Any) -> None:
    ada = await member("ada")
    bea = await member("bea")
    resp = await api.patch(UPDATE, headers=ada.headers, data={
        "display_name": "Ada L.", "note": "Counting with @bea and #maths.\n\nhttps://example.org",
        "locked": "true", "bot": "0", "discoverable": "false", "indexable": "false",
        "fields_attributes[0][name]": "Web", "fields_attributes[0][value]": "https://ada.example",
        "fields_attributes[1][name]": "Pronouns", "fields_attributes[1][value]": "she/her",
        "source[privacy]": "unlisted", "source[sensitive]": "true", "source[language]": "en"})
    assert resp.status == 200, await resp.text()
    me = await resp.json()
    validate(me, "CredentialAccount")
    assert me["display_name"] == "Ada L." and me["locked"] is True and me["discoverable"] is False
    assert me["note"].startswith("<p>Counting with <span class=\"h-card\"")
    assert 'href="http://ch.test/@bea"' in me["note"]
    assert 'href="http://ch.test/tags/maths"' in me["note"]
    assert me["note"].count("<p>") == 2
    assert me["source"]["note"] == "Counting with @bea and #maths.\n\nhttps://example.org"
    assert me["fields"][0]["name"] == "Web" and me["fields"][0]["value"].startswith("<a href=")
    assert me["source"]["fields"][1] == {"name": "Pronouns", "value": "she/her",
                                         "verified_at": None}
    assert me["source"]["privacy"] == "unlisted" and me["source"]["sensitive"] is True
    assert me["source"]["language"] == "en"
    prefs = await (await api.get("/api/v1/preferences", headers=ada.headers)).json()
    validate(prefs, "Preferences")
    assert prefs["posting:default:visibility"] == "unlisted"
    # Other people see the same public profile without the source.
    path = f"/api/v1/accounts/{ada.user.account_id}"
    public = await (await api.get(path, headers=bea.headers)).json()
    validate(public, "Account")
    assert "source" not in public and public["note"] == me["note"]


async def test_update_credentials_accepts_json(api: Any, member: Any) -> None:
    ada = await member("ada")
    resp = await api.patch(UPDATE, headers=ada.headers, json={
        "bot": True, "fields_attributes": [{"name": "a", "value": "b"}],
        "source": {"privacy": "private"}})
    me = await resp.json()
    assert me["bot"] is True and me["fields"][0]["name"] == "a"
    assert me["source"]["privacy"] == "private"


@pytest.mark.parametrize(("data", "field"), [
    ({"display_name": "x" * 31}, "Display name"),
    ({"note": "x" * 501}, "Note"),
    ({"locked": "perhaps"}, "locked"),
    ({"source[privacy]": "direct"}, "privacy"),
    ({"source[language]": "english"}, "language"),
    ({f"fields_attributes[{i}][name]": f"n{i}" for i in range(5)}, "Fields"),
    ({"fields_attributes[0][name]": "n", "fields_attributes[0][value]": "v" * 256}, "Fields"),
])
async def test_bad_profile_input_is_a_422_naming_the_field_and_changes_nothing(
        api: Any, member: Any, data: dict[str, str], field: str) -> None:
    ada = await member("ada")
    before = await (await api.get(VERIFY, headers=ada.headers)).json()
    resp = await api.patch(UPDATE, headers=ada.headers, data={**data, "bot": "true"})
    assert resp.status == 422
    assert field in (await resp.json())["error"]
    after = await (await api.get(VERIFY, headers=ada.headers)).json()
    assert after == before


async def _upload(api: Any, headers: dict[str, str], field: str, data: bytes, name: str,
                  content_type: str, **text: str) -> Any:
    form = aiohttp.FormData()
    for key, value in text.items():
        form.add_field(key, value)
    form.add_field(field, data, filename=name, content_type=content_type)
    return await api.patch(UPDATE, headers=headers, data=form)


async def test_avatar_and_header_are_resized_and_lose_their_exif(
        api: Any, member: Any, api_config: Config) -> None:
    ada = await member("ada")
    original = picture("JPEG", (900, 600))
    assert Image.open(io.BytesIO(original)).getexif()
    resp = await _upload(api, ada.headers, "avatar", original, "me.jpg", "image/jpeg",
                         display_name="With picture")
    assert resp.status == 200, await resp.text()
    me = await resp.json()
    assert me["display_name"] == "With picture"
    assert me["avatar"].startswith("http://ch.test/system/accounts/avatars/")
    served = await api.get(me["avatar"].removeprefix("http://ch.test"))
    assert served.status == 200
    stored = Image.open(io.BytesIO(await served.read()))
    assert stored.size == (400, 400) and stored.format == "JPEG"
    assert not stored.getexif() and "exif" not in stored.info
    header = await _upload(api, ada.headers, "header", picture("PNG", (3000, 1200), exif=False),
                           "h.png", "image/png")
    header_url = (await header.json())["header"]
    served = await api.get(header_url.removeprefix("http://ch.test"))
    assert Image.open(io.BytesIO(await served.read())).size == (1500, 500)
    # replacing the avatar removes the old file
    old = api_config.media_dir / me["avatar"].removeprefix("http://ch.test/system/")
    assert old.exists()
    again = await _upload(api, ada.headers, "avatar", picture("PNG", (50, 50), exif=False),
                          "small.png", "image/png")
    assert again.status == 200 and not old.exists()


async def test_deleting_the_avatar_and_header_restores_the_defaults(
        api: Any, member: Any, api_config: Config) -> None:
    ada = await member("ada")
    default = (await (await api.get("/api/v1/accounts/verify_credentials",
                                    headers=ada.headers)).json())["avatar"]
    resp = await _upload(api, ada.headers, "avatar", picture("PNG", (50, 50), exif=False),
                         "a.png", "image/png")
    mine = (await resp.json())["avatar"]
    stored = api_config.media_dir / mine.removeprefix("http://ch.test/system/")
    assert mine != default and stored.exists()
    resp = await api.delete("/api/v1/profile/avatar", headers=ada.headers)
    assert resp.status == 200
    me = await resp.json()
    validate(me, "CredentialAccount")
    assert me["avatar"] == default and not stored.exists()
    assert (await api.delete("/api/v1/profile/header", headers=ada.headers)).status == 200
    assert (await api.delete("/api/v1/profile/banner", headers=ada.headers)).status == 404
    assert (await api.delete("/api/v1/profile/avatar")).status == 401


async def test_a_non_image_avatar_is_refused_and_nothing_is_stored(
        api: Any, member: Any, api_config: Config) -> None:
    ada = await member("ada")
    resp = await _upload(api, ada.headers, "avatar", b"%PDF-1.4 not a picture", "x.png",
                         "image/png", display_name="Should not stick")
    assert resp.status == 422
    assert "Avatar" in (await resp.json())["error"]
    me = await (await api.get(VERIFY, headers=ada.headers)).json()
    assert me["display_name"] == "ada"
    media: Path = api_config.media_dir
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


async def test_update_credentials_needs_write_accounts(api: Any, member: Any) -> None:
    reader = await member("ada", scope="read")
    resp = await api.patch(UPDATE, headers=reader.headers, data={"display_name": "x"})
    assert resp.status == 403


async def test_lookup_and_get_local_and_remote_accounts(api: Any, member: Any,
                                                        db: Database) -> None:
    await member("ada")
    alice = await remote_account(db)
    for acct in ("ada", "@ada", "ada@ch.test", "ADA"):
        resp = await api.get("/api/v1/accounts/lookup", params={"acct": acct})
        assert resp.status == 200, acct
        validate(await resp.json(), "Account")
    resp = await api.get("/api/v1/accounts/lookup", params={"acct": "alice@mastodon.test"})
    remote = await resp.json()
    validate(remote, "Account")
    assert remote["acct"] == "alice@mastodon.test" and remote["followers_count"] == 12
    assert remote["url"] == "https://mastodon.test/@alice" and "roles" not in remote
    assert (await api.get(f"/api/v1/accounts/{alice}")).status == 200
    for missing in ("/api/v1/accounts/lookup?acct=nobody", "/api/v1/accounts/lookup",
                    "/api/v1/accounts/12345", "/api/v1/accounts/99999999999999999999"):
        resp = await api.get(missing)
        assert resp.status == 404, missing
        assert await resp.json() == {"error": "Record not found"}


async def test_a_moved_or_suspended_account_shows_as_mastodon_shows_it(
        api: Any, db: Database, clock: FrozenClock) -> None:
    new_home = await remote_account(db, "alice", "new.test")
    moved = await remote_account(db, "alice", "old.test", moved_to_account_id=new_home)
    gone = await remote_account(db, "mallory", "bad.test", suspended_at=clock.now(),
                                note="<p>spam</p>")
    entity = await (await api.get(f"/api/v1/accounts/{moved}")).json()
    validate(entity, "Account")
    assert entity["moved"]["acct"] == "alice@new.test"
    entity = await (await api.get(f"/api/v1/accounts/{gone}")).json()
    validate(entity, "Account")
    assert entity["suspended"] is True and entity["note"] == "" and entity["fields"] == []


async def test_relationships(api: Any, member: Any, db: Database, clock: FrozenClock) -> None:
    ada = await member("ada")
    bea = await member("bea")
    alice = await remote_account(db)
    a, b = ada.user.account_id, bea.user.account_id
    async with db.acquire() as conn:
        now = clock.now()
        await conn.execute("INSERT INTO follows (id, account_id, target_account_id, notify, "
                           "created_at) VALUES ($1, $2, $3, true, $4)", new_id(), a, b, now)
        await conn.execute("INSERT INTO follows (id, account_id, target_account_id, created_at) "
                           "VALUES ($1, $2, $3, $4)", new_id(), b, a, now)
        await conn.execute("INSERT INTO mutes (id, account_id, target_account_id, expires_at, "
                           "created_at) VALUES ($1, $2, $3, $4, $5)", new_id(), a, alice,
                           now + timedelta(hours=1), now)
        await conn.execute("INSERT INTO account_domain_blocks (id, account_id, domain, created_at) "
                           "VALUES ($1, $2, 'Mastodon.test', $3)", new_id(), a, now)
        await conn.execute("INSERT INTO follow_requests (id, account_id, target_account_id, "
                           "created_at) VALUES ($1, $2, $3, $4)", new_id(), alice, a, now)
    resp = await api.get("/api/v1/accounts/relationships",
                         params=[("id[]", str(alice)), ("id[]", str(b)), ("id[]", "404"),
                                 ("id[]", "junk")], headers=ada.headers)
    assert resp.status == 200
    rels = await resp.json()
    for rel in rels:
        validate(rel, "Relationship")
    assert [r["id"] for r in rels] == [str(alice), str(b)]
    to_alice, to_bea = rels
    assert to_alice["muting"] and to_alice["muting_notifications"] and to_alice["domain_blocking"]
    assert to_alice["requested_by"] and not to_alice["following"]
    assert to_bea["following"] and to_bea["followed_by"] and to_bea["notifying"]
    assert to_bea["showing_reblogs"] and not to_bea["blocking"]
    single = await (await api.get(f"/api/v1/accounts/relationships?id={b}",
                                  headers=ada.headers)).json()
    assert [r["id"] for r in single] == [str(b)]
    clock.advance(timedelta(hours=2))   # the mute has run out
    later = await (await api.get(f"/api/v1/accounts/relationships?id[]={alice}",
                                 headers=ada.headers)).json()
    assert later[0]["muting"] is False


async def test_media_files_are_served_only_from_the_media_directory(api: Any,
                                                                   api_config: Config) -> None:
    api_config.media_dir.mkdir(parents=True)
    (api_config.media_dir.parent / "secret_key").write_text("do not serve me")
    for path in ("/system/../secret_key", "/system/%2e%2e/secret_key",
                 "/system/accounts/avatars/none.png"):
        resp = await api.get(path)
        assert resp.status == 404, path
        assert "do not serve me" not in await resp.text()
