"""/search (local accounts, hashtags and posts; a remote account or post looked up by
address or URL for a signed-in member) and /settings/profile (through the service of the
API's update_credentials, so the change goes out as an Update)."""

from __future__ import annotations

from typing import Any

import aiohttp

from server.config import Config
from server.db import Database
from server.federation.activitypub.fetch import Fetched
from server.search import service as search_service
from server.statuses import service
from server.statuses.compose import Draft
from tests.fakes.fediverse import payload
from tests.helpers import csrf_from, make_remote_account
from tests.web.conftest import status_ids
from tests.web.test_social_compose_media import png, post_multipart


async def test_search_finds_accounts_tags_and_posts(member: Any, stranger: Any, db: Database,
                                                    config: Config, clock: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    async with db.transaction() as conn:
        status = await service.create_status(conn, config=config, author=ada.account,
                                             draft=Draft(text="tomato seedlings #garden"),
                                             now=clock.now())
    status_code, page = await bob.page("/search?q=ada")
    assert status_code == 200 and 'href="/@ada"' in page
    status_code, page = await bob.page("/search?q=garden&type=hashtags")
    assert 'href="/tags/garden">#garden' in page
    status_code, page = await bob.page("/search?q=seedlings")
    assert status_ids(page) == [status.id]
    # Signed out: people and hashtags only, as the API's search.
    resp = await stranger.get("/search?q=seedlings")
    assert resp.status == 200 and status_ids(await resp.text()) == []
    resp = await stranger.get("/search?q=ada")
    assert 'href="/@ada"' in await resp.text()
    status_code, page = await bob.page("/search")
    assert status_code == 200 and "Nothing found" not in page


async def test_search_resolves_a_remote_account_and_post(member: Any, db: Database, clock: Any,
                                                         monkeypatch: Any,
                                                         stranger: Any) -> None:
    bob = await member("bob")
    asked: list[str] = []

    async def fake_resolve(ctx: Any, acct: str) -> Any:
        asked.append(acct)
        return await make_remote_account(ctx.db, ctx.clock, "alice", "mastodon.test")

    monkeypatch.setattr(search_service.remote_actors, "resolve_acct", fake_resolve)
    _, page = await bob.page("/search?q=%40alice%40mastodon.test")
    assert asked == ["@alice@mastodon.test"] and 'href="/@alice@mastodon.test"' in page
    # Readers signed out never make the server fetch anything.
    await stranger.get("/search?q=%40carol%40mastodon.test")
    assert asked == ["@alice@mastodon.test"]

    note = payload("mastodon/create_note.json")["object"]

    async def fake_fetch(ctx: Any, url: str, **_: Any) -> Fetched:
        assert url == note["id"]
        return Fetched(url=url, data=note)

    async def fake_author(ctx: Any, _note: Any) -> Any:
        async with ctx.db.acquire() as conn:
            from server.accounts import queries as accounts_q
            return await accounts_q.find_account_by_acct(conn, username="alice",
                                                         domain="mastodon.test")

    async def no_mentions(ctx: Any, _note: Any) -> None:
        return None

    monkeypatch.setattr(search_service, "fetch_object", fake_fetch)
    monkeypatch.setattr(search_service.posts, "author_of", fake_author)
    monkeypatch.setattr(search_service.posts, "resolve_mentions", no_mentions)
    resp = await bob.client.get("/search", params={"q": note["id"]})
    page = await resp.text()
    async with db.acquire() as conn:
        stored = await conn.fetchval("SELECT id FROM statuses WHERE uri = $1", note["id"])
    assert stored is not None and status_ids(page) == [stored]
    assert "the tomatoes came up!" in page


async def test_profile_settings_update_and_federate(member: Any, db: Database,
                                                    config: Config) -> None:
    ada = await member("ada")
    status_code, page = await ada.page("/settings/profile")
    assert status_code == 200 and 'name="field_name_3"' in page
    resp = await post_multipart(ada, "/settings/profile", {
        "display_name": "Ada L.", "note": "Grows #tomatoes", "field_name_0": "Garden",
        "field_value_0": "plot 7", "locked": "on", "bot": "", "discoverable": "on",
        "indexable": "on"}, {"avatar": ("me.png", png((64, 64), "green"), "image/png")},
        token_from="/settings/profile")
    assert resp.status == 303
    assert resp.headers["Location"] == "/settings/profile?notice=profile_saved"
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT display_name, note, locked, bot, discoverable, "
                                  "indexable, avatar_path, fields FROM accounts WHERE id = $1",
                                  ada.account.id)
        jobs = await conn.fetchval("SELECT count(*) FROM jobs WHERE kind = "
                                   "'federation.send_actor_update'")
    assert row["display_name"] == "Ada L." and "tomatoes" in row["note"]
    assert row["locked"] and not row["bot"] and row["discoverable"] and row["indexable"]
    assert row["avatar_path"] and (config.media_dir / row["avatar_path"]).exists()
    assert "plot 7" in str(row["fields"]) and jobs == 1
    status_code, page = await ada.page("/settings/profile?notice=profile_saved")
    assert "Your profile is saved" in page and ">Grows #tomatoes</textarea>" in page
    assert 'value="plot 7"' in page
    status_code, page = await ada.page("/@ada")
    assert "Ada L." in page and "tomatoes" in page


async def test_refused_profile_changes_store_nothing(member: Any, db: Database) -> None:
    ada = await member("ada")
    resp = await post_multipart(ada, "/settings/profile",
                                {"display_name": "x" * 31, "note": "kept bio"},
                                token_from="/settings/profile")
    page = await resp.text()
    assert resp.status == 422 and "Display name is too long" in page
    assert ">kept bio</textarea>" in page and 'aria-invalid="true"' in page
    resp = await post_multipart(ada, "/settings/profile", {"display_name": "Ada", "note": "b"},
                                {"avatar": ("me.png", b"not a picture", "image/png")},
                                token_from="/settings/profile")
    page = await resp.text()
    assert resp.status == 422
    assert 'name="avatar" accept="image/jpeg,image/png,image/gif,image/webp" ' \
        'aria-invalid="true"' in page
    async with db.acquire() as conn:
        row = await conn.fetchrow("SELECT display_name, note, avatar_path FROM accounts"
                                  " WHERE id = $1", ada.account.id)
        jobs = await conn.fetchval("SELECT count(*) FROM jobs WHERE kind = "
                                   "'federation.send_actor_update'")
    assert row["display_name"] != "Ada" and row["avatar_path"] is None and jobs == 0
    data = aiohttp.FormData()
    data.add_field("display_name", "no token")
    resp = await ada.client.post("/settings/profile", data=data, allow_redirects=False)
    assert resp.status == 403
    page_resp = await ada.client.get("/settings/profile")
    assert csrf_from(await page_resp.text())
