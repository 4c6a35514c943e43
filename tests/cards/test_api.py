"""Cards as clients see them: in status entities (single, home timeline, boosts), checked
against the OpenAPI PreviewCard schema; which statuses get none; edits; remote statuses;
GET /api/v1/trends/links."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.db import Database
from server.federation import vocabulary as v
from server.jobs import queries as jobs_q
from server.jobs.worker import Worker
from server.statuses import remote
from tests.api.test_media import picture, upload
from tests.cards.site import BASE, Site
from tests.cards.test_fetching import card_of, post
from tests.helpers import make_remote_account
from tests.cards.schema import validate_card, validate_status

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def test_a_local_post_gets_its_card_in_the_status_and_the_home_timeline(
        api: Any, member: Any, jobs: Worker) -> None:
    ada = await member("ada")
    status_id = await post(api, ada, f"Read this {BASE}/og")
    await jobs.run_until_idle()
    resp = await api.get(f"/api/v1/statuses/{status_id}", headers=ada.headers)
    status = await resp.json()
    validate_status(status)
    card = status["card"]
    validate_card(card)
    assert card["url"] == f"{BASE}/og"
    assert card["description"] == "Un article sur les coopératives."
    assert card["provider_name"] == "News Test"
    assert card["language"] == "fr"
    assert card["published_at"] == "2026-11-20T08:30:00.000Z"
    assert card["authors"] == [{"name": "", "url": "", "account": None}]
    assert card["html"] == "" and card["embed_url"] == ""
    home = await (await api.get("/api/v1/timelines/home", headers=ada.headers)).json()
    assert [s["card"] for s in home if s["id"] == status_id] == [card]


async def test_a_boost_shows_the_card_of_what_it_boosts(api: Any, member: Any,
                                                        jobs: Worker) -> None:
    ada, bea = await member("ada"), await member("bea")
    status_id = await post(api, ada, f"{BASE}/plain")
    await jobs.run_until_idle()
    resp = await api.post(f"/api/v1/statuses/{status_id}/reblog", headers=bea.headers)
    boost = await resp.json()
    await jobs.run_until_idle()
    assert boost["card"] is None
    assert boost["reblog"]["card"]["title"] == "Just a title"
    home = await (await api.get("/api/v1/timelines/home", headers=bea.headers)).json()
    assert home[0]["reblog"]["card"]["title"] == "Just a title"


async def test_a_video_card_validates_and_carries_only_an_iframe(api: Any, member: Any,
                                                                 jobs: Worker) -> None:
    ada = await member("ada")
    status_id = await post(api, ada, f"{BASE}/video")
    await jobs.run_until_idle()
    card = await card_of(api, ada, status_id)
    validate_card(card)
    assert card["type"] == "video"
    assert card["html"].startswith("<iframe") and "script" not in card["html"]
    assert (card["width"], card["height"]) == (560, 315)
    assert card["authors"] == [{"name": "Kit", "url": "https://video.news.test/@kit",
                                "account": None}]
    assert card["image"] is not None


async def test_mention_and_hashtag_links_are_not_chosen(api: Any, member: Any, jobs: Worker,
                                                        db: Database, clock: Any,
                                                        site: Site) -> None:
    ada = await member("ada")
    await make_remote_account(db, clock, "alice", "mastodon.test")
    await member("bea")
    only_those = await post(api, ada, "@alice@mastodon.test @bea #coops")
    with_link = await post(api, ada, f"@alice@mastodon.test #coops {BASE}/plain")
    await jobs.run_until_idle()
    assert await card_of(api, ada, only_those) is None
    assert (await card_of(api, ada, with_link))["url"] == f"{BASE}/plain"
    assert sum(site.hits.values()) == 1


async def test_a_status_with_media_gets_no_card(api: Any, member: Any, jobs: Worker,
                                                site: Site) -> None:
    ada = await member("ada")
    media = await (await upload(api, ada, picture())).json()
    resp = await api.post("/api/v1/statuses", json={"status": f"{BASE}/og",
                                                    "media_ids": [media["id"]]},
                          headers=ada.headers)
    status_id = (await resp.json())["id"]
    await jobs.run_until_idle()
    assert await card_of(api, ada, status_id) is None
    assert site.hits["/og"] == 0


async def test_an_edit_changes_or_removes_the_card(api: Any, member: Any, jobs: Worker,
                                                   site: Site) -> None:
    ada = await member("ada")
    status_id = await post(api, ada, f"{BASE}/plain")
    await jobs.run_until_idle()

    async def edit(text: str) -> None:
        resp = await api.put(f"/api/v1/statuses/{status_id}", json={"status": text},
                             headers=ada.headers)
        assert resp.status == 200, await resp.text()
        await jobs.run_until_idle()

    await edit(f"typo fixed, same link {BASE}/plain")
    assert site.hits["/plain"] == 1
    await edit(f"better: {BASE}/og")
    assert (await card_of(api, ada, status_id))["title"] == "Les communs & nous"
    await edit("no link any more")
    assert await card_of(api, ada, status_id) is None


def remote_note(alice: Any, clock: Any, content: str, number: int) -> v.Note:
    return v.Note(uri=f"https://mastodon.test/users/alice/statuses/{number}",
                  author_uri=alice.uri, kind="Note", content=content, summary="",
                  sensitive=False, published=clock.now(), updated=None, url=None,
                  in_reply_to=None, to=(PUBLIC,), cc=(), language="en",
                  mentions=(v.Mention("https://ch.test/users/ada", "@ada"),))


async def test_a_remote_status_gets_its_card(api: Any, member: Any, jobs: Worker, db: Database,
                                             clock: Any, site: Site) -> None:
    ada = await member("ada")
    alice = await make_remote_account(db, clock, "alice", "mastodon.test")
    tags_and_mentions = ('<p><span class="h-card"><a href="https://ch.test/@ada" '
                         'class="u-url mention">@<span>ada</span></a></span> '
                         '<a href="https://mastodon.test/tags/coops" class="mention hashtag" '
                         'rel="tag">#<span>coops</span></a></p>')
    with_link = tags_and_mentions.replace(
        "</p>", f' <a href="{BASE}/jsonld" rel="nofollow noopener" target="_blank">news</a></p>')
    async with db.transaction() as conn:
        plain = await remote.store_remote_status(
            conn, note=remote_note(alice, clock, tags_and_mentions, 1), author=alice,
            config=jobs.ctx.config, now=clock.now())
        assert plain is not None
        # A remote post without a link of its own costs no job.
        assert await jobs_q.list_jobs(conn, kind="cards.fetch") == []
        status = await remote.store_remote_status(
            conn, note=remote_note(alice, clock, with_link, 2), author=alice,
            config=jobs.ctx.config, now=clock.now())
        assert status is not None
        assert len(await jobs_q.list_jobs(conn, kind="cards.fetch")) == 1
    await jobs.run_until_idle()
    card = await card_of(api, ada, str(status.id))
    assert card["title"] == "Structured headline"
    assert site.hits["/jsonld"] == 1
    assert await card_of(api, ada, str(plain.id)) is None


async def test_trending_links_rank_by_distinct_sharers(api: Any, member: Any, jobs: Worker,
                                                       clock: Any) -> None:
    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    await post(api, ada, f"{BASE}/og")
    await post(api, ada, f"{BASE}/og again")
    await post(api, ada, f"{BASE}/plain")
    await post(api, bea, f"{BASE}/plain")
    private = await api.post("/api/v1/statuses", headers=cy.headers,
                             json={"status": f"{BASE}/plain", "visibility": "private"})
    assert private.status == 200
    await post(api, cy, f"{BASE}/twitter")
    await jobs.run_until_idle()
    resp = await api.get("/api/v1/trends/links")
    assert resp.status == 200
    links = await resp.json()
    assert [link["url"] for link in links] == [f"{BASE}/plain", f"{BASE}/twitter", f"{BASE}/og"]
    for link in links:
        validate_card(link, "TrendsLink")
    assert links[0]["history"][0]["accounts"] == "2" and links[0]["history"][0]["uses"] == "2"
    assert links[2]["history"][0]["uses"] == "2" and links[2]["history"][0]["accounts"] == "1"
    assert len(links[0]["history"]) == 7
    second = await (await api.get("/api/v1/trends/links?limit=1&offset=1")).json()
    assert [x["url"] for x in second] == [f"{BASE}/twitter"]
    clock.advance(timedelta(days=8))
    assert await (await api.get("/api/v1/trends/links")).json() == []
