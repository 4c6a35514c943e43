"""The cards.fetch job against the fake site: what makes a card, what does not, the picture,
sharing one card between statuses, refreshing after two weeks, and the address guard."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from server.cards import service
from server.db import Database
from server.jobs.context import JobContext
from server.jobs.worker import Worker
from server.media import storage
from tests.cards.site import BASE, Site


async def post(api: Any, who: Any, text: str) -> str:
    resp = await api.post("/api/v1/statuses", json={"status": text}, headers=who.headers)
    assert resp.status == 200, await resp.text()
    return str((await resp.json())["id"])


async def card_of(api: Any, who: Any, status_id: str) -> Any:
    resp = await api.get(f"/api/v1/statuses/{status_id}", headers=who.headers)
    assert resp.status == 200
    return (await resp.json())["card"]


async def count(db: Database, table: str) -> int:
    assert table in ("preview_cards", "preview_cards_statuses")
    async with db.acquire() as conn:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608


@pytest.mark.parametrize(("path", "title", "kind"), [
    ("/og", "Les communs & nous", "link"),
    ("/twitter", "A clip", "video"),
    ("/plain", "Just a title", "link"),
    ("/jsonld", "Structured headline", "link"),
    ("/video", "Cats in the commons", "video"),
    ("/rich", "Rich falls back to OpenGraph", "link"),
    ("/big", "A very long page", "link"),
    ("/latin1", "Café crème", "link"),
    ("/redirect", "Les communs & nous", "link"),
])
async def test_pages_that_make_a_card(api: Any, member: Any, jobs: Worker, path: str,
                                      title: str, kind: str) -> None:
    ada = await member("ada")
    status_id = await post(api, ada, f"Worth reading: {BASE}{path}")
    assert await card_of(api, ada, status_id) is None      # before the job
    await jobs.run_until_idle()
    card = await card_of(api, ada, status_id)
    assert card is not None
    assert (card["title"], card["type"]) == (title, kind)
    assert card["url"] == f"{BASE}{path}"                  # as written in the status


@pytest.mark.parametrize("path", ["/notitle", "/loop", "/data.json", "/missing"])
async def test_pages_that_make_no_card(api: Any, member: Any, jobs: Worker, db: Database,
                                       site: Site, path: str) -> None:
    ada = await member("ada")
    status_id = await post(api, ada, f"Hm {BASE}{path}")
    await jobs.run_until_idle()
    assert await card_of(api, ada, status_id) is None
    assert await count(db, "preview_cards") == 0
    assert site.hits[path] >= 1
    if path == "/loop":
        assert site.hits[path] == 4                     # the first request and 3 redirects


async def test_the_picture_is_a_small_thumbnail_without_exif(api: Any, member: Any,
                                                             jobs: Worker, ctx: JobContext,
                                                             db: Database) -> None:
    ada = await member("ada")
    status_id = await post(api, ada, f"{BASE}/og")
    await jobs.run_until_idle()
    card = await card_of(api, ada, status_id)
    assert card["image"].startswith("http://ch.test/system/preview_cards/")
    assert card["blurhash"] and len(card["blurhash"]) == 6 + 2 * 15   # 4 x 4 components
    async with db.acquire() as conn:
        path = await conn.fetchval("SELECT image_path FROM preview_cards")
    picture = Image.open(io.BytesIO(storage.read(ctx.config, path)))
    assert picture.width <= 640 and picture.width * picture.height <= 640 * 360
    assert (card["width"], card["height"]) == picture.size
    assert not picture.getexif()
    assert card["image_description"] == "A blue square"


@pytest.mark.parametrize("path", ["/hugepic", "/notpic"])
async def test_a_picture_that_cannot_be_had_leaves_a_card_without_one(
        api: Any, member: Any, jobs: Worker, path: str) -> None:
    ada = await member("ada")
    status_id = await post(api, ada, f"{BASE}{path}")
    await jobs.run_until_idle()
    card = await card_of(api, ada, status_id)
    assert card["title"] and card["image"] is None and card["blurhash"] is None
    assert (card["width"], card["height"]) == (0, 0)


async def test_one_card_per_url_shared_by_statuses(api: Any, member: Any, jobs: Worker,
                                                   db: Database, site: Site) -> None:
    ada, bea = await member("ada"), await member("bea")
    first = await post(api, ada, f"{BASE}/plain")
    await jobs.run_until_idle()
    second = await post(api, bea, f"see {BASE}/plain")
    await jobs.run_until_idle()
    assert site.hits["/plain"] == 1
    assert await count(db, "preview_cards") == 1
    assert await count(db, "preview_cards_statuses") == 2
    assert (await card_of(api, ada, first)) == (await card_of(api, bea, second))


async def test_a_redirecting_link_shared_again_is_not_fetched_again(
        api: Any, member: Any, jobs: Worker, db: Database, site: Site) -> None:
    ada = await member("ada")
    first = await post(api, ada, f"{BASE}/redirect")
    await jobs.run_until_idle()
    second = await post(api, ada, f"once more {BASE}/redirect")
    await jobs.run_until_idle()
    assert (site.hits["/redirect"], site.hits["/og"]) == (1, 1)
    assert await count(db, "preview_cards") == 1
    assert (await card_of(api, ada, second)) == (await card_of(api, ada, first))
    assert (await card_of(api, ada, second))["url"] == f"{BASE}/redirect"


async def test_a_card_is_fetched_again_after_two_weeks(api: Any, member: Any, jobs: Worker,
                                                       db: Database, site: Site,
                                                       clock: Any) -> None:
    ada = await member("ada")
    await post(api, ada, f"{BASE}/plain")
    await jobs.run_until_idle()
    clock.advance(timedelta(days=13))
    await post(api, ada, f"again {BASE}/plain")
    await jobs.run_until_idle()
    assert site.hits["/plain"] == 1
    clock.advance(timedelta(days=2))
    site.pages["/plain"] = "<html><head><title>Renamed</title></head></html>"
    third = await post(api, ada, f"and again {BASE}/plain")
    await jobs.run_until_idle()
    assert site.hits["/plain"] == 2
    assert (await card_of(api, ada, third))["title"] == "Renamed"
    assert await count(db, "preview_cards") == 1


async def test_a_failed_refresh_keeps_the_old_card(api: Any, member: Any, jobs: Worker,
                                                   site: Site, clock: Any) -> None:
    ada = await member("ada")
    await post(api, ada, f"{BASE}/plain")
    await jobs.run_until_idle()
    clock.advance(timedelta(days=15))
    del site.pages["/plain"]                             # now a 404
    later = await post(api, ada, f"{BASE}/plain")
    await jobs.run_until_idle()
    assert (await card_of(api, ada, later))["title"] == "Just a title"


async def test_private_addresses_are_refused_unless_allowed(ctx: JobContext, site: Site) -> None:
    from dataclasses import replace

    from server.app import make_client_session
    from tests.cards.site import HOST
    from tests.fakes.fediverse import FakeResolver

    config = replace(ctx.config, allow_private_addresses=False)
    session = make_client_session(config, resolver=FakeResolver({HOST: site.port}))
    strict = replace(ctx, config=config, http=session)
    try:
        with pytest.raises(service.http.FetchError) as err:
            await service.build_card(strict, f"{BASE}/og")      # news.test is on 127.0.0.1
        assert "not a public address" in str(err.value)
        with pytest.raises(service.http.FetchError):
            await service.build_card(strict, "http://127.0.0.1/og")
    finally:
        await session.close()
    assert site.hits["/og"] == 0


async def test_without_an_http_client_the_job_does_nothing(api: Any, member: Any, db: Database,
                                                           ctx: JobContext) -> None:
    from dataclasses import replace

    from server.jobs.registry import job_handlers

    ada = await member("ada")
    await post(api, ada, f"{BASE}/og")
    await Worker(replace(ctx, http=None), job_handlers()).run_until_idle()
    assert await count(db, "preview_cards") == 0
