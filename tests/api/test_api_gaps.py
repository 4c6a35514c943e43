"""Smaller documented endpoints clients call: deleting an unattached upload, the instance's
privacy policy, terms by date and translation languages, translation (none configured),
oEmbed for local posts and the link timeline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.cards import queries as cards_q
from server.cards.queries import NewCard
from server.config import Config
from server.db import Database
from server.ids import new_id
from tests.api.test_media import picture, upload
from tests.openapi import validate, validate_list


async def _post(api: Any, who: Any, **body: Any) -> dict[str, Any]:
    resp = await api.post("/api/v1/statuses", headers=who.headers, json=body)
    assert resp.status == 200, await resp.text()
    return dict(await resp.json())


async def test_delete_an_upload_not_on_a_post(api: Any, member: Any, db: Database,
                                              api_config: Config, clock: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    loose = await (await upload(api, ada, picture())).json()
    async with db.acquire() as conn:
        file_path = await conn.fetchval("SELECT file_path FROM media_attachments WHERE id = $1",
                                        int(loose["id"]))
    stored = api_config.media_dir / file_path
    assert stored.exists()
    assert (await api.delete(f"/api/v1/media/{loose['id']}",
                             headers=bob.headers)).status == 404
    resp = await api.delete(f"/api/v1/media/{loose['id']}", headers=ada.headers)
    assert resp.status == 200 and await resp.json() == {}
    assert not stored.exists()
    assert (await api.get(f"/api/v1/media/{loose['id']}", headers=ada.headers)).status == 404
    assert (await api.delete(f"/api/v1/media/{loose['id']}",
                             headers=ada.headers)).status == 404

    used = await (await upload(api, ada, picture())).json()
    await _post(api, ada, status="With a picture", media_ids=[used["id"]])
    resp = await api.delete(f"/api/v1/media/{used['id']}", headers=ada.headers)
    assert resp.status == 422
    assert "attached to a post" in (await resp.json())["error"]

    waiting = await (await upload(api, ada, picture())).json()
    later = (clock.now() + timedelta(hours=1)).isoformat()
    await _post(api, ada, status="Later", media_ids=[waiting["id"]], scheduled_at=later)
    assert (await api.delete(f"/api/v1/media/{waiting['id']}",
                             headers=ada.headers)).status == 422
    assert (await api.delete(f"/api/v1/media/{waiting['id']}")).status == 401


async def test_privacy_policy_and_translation_languages(api: Any) -> None:
    policy = await (await api.get("/api/v1/instance/privacy_policy")).json()
    validate(policy, "PrivacyPolicy")
    assert "<h2>" in policy["content"] and "admins@ch.test" in policy["content"]
    urls = (await (await api.get("/api/v2/instance")).json())["configuration"]["urls"]
    assert urls["privacy_policy"] == "http://ch.test/privacy-policy"
    assert urls["terms_of_service"] == "http://ch.test/charter"
    page = await api.get("/privacy-policy")
    assert page.status == 200 and page.content_type == "text/html"
    assert policy["content"] in await page.text()
    languages = await api.get("/api/v1/instance/translation_languages")
    assert languages.status == 200 and await languages.json() == {}


async def test_terms_by_their_effective_date(api: Any, db: Database, api_config: Any,
                                            clock: Any) -> None:
    from tests.governance.factories import found_coop

    today = clock.now().date().isoformat()
    assert (await api.get(f"/api/v1/instance/terms_of_service/{today}")).status == 404
    await found_coop(db, api_config, clock, ["ada"])
    resp = await api.get(f"/api/v1/instance/terms_of_service/{today}")
    assert resp.status == 200
    terms = await resp.json()
    validate(terms, "TermsOfService")
    current = await (await api.get("/api/v1/instance/terms_of_service")).json()
    assert terms == current
    assert terms["effective"] is True and terms["succeeded_by"] is None
    assert (await api.get("/api/v1/instance/terms_of_service/2001-01-01")).status == 404
    assert (await api.get("/api/v1/instance/terms_of_service/soon")).status == 404


async def test_translation_is_refused_for_visible_posts_hidden_for_others(
        api: Any, member: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    public = await _post(api, ada, status="Bonjour", language="fr")
    secret = await _post(api, ada, status="Pour moi", visibility="direct")
    resp = await api.post(f"/api/v1/statuses/{public['id']}/translate", headers=bob.headers,
                          json={"lang": "en"})
    assert resp.status == 403
    validate(await resp.json(), "Error")
    resp = await api.post(f"/api/v1/statuses/{secret['id']}/translate", headers=bob.headers)
    assert resp.status == 404
    assert (await api.post(f"/api/v1/statuses/{public['id']}/translate")).status == 401


async def test_oembed_for_local_public_posts_only(api: Any, member: Any,
                                                 api_config: Config) -> None:
    ada = await member("ada")
    shown = await _post(api, ada, status="A <b>post</b> worth embedding")
    hidden = await _post(api, ada, status="Followers only", visibility="private")
    resp = await api.get("/api/oembed", params={"url": shown["url"], "maxwidth": "500"})
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    validate(body, "OEmbedResponse")
    assert body["type"] == "rich" and body["version"] == "1.0"
    assert body["provider_name"] == "ch.test" and body["author_name"] == "ada"
    assert body["width"] == 500 and body["height"] is None
    assert shown["url"] in body["html"] and "worth embedding" in body["html"]
    assert "<script" not in body["html"] and "&lt;b&gt;" in body["html"]
    by_uri = await api.get("/api/oembed", params={"url": shown["uri"]})
    assert (await by_uri.json())["html"] == body["html"]
    for url in (hidden["url"], "https://elsewhere.test/@ada/1", shown["url"] + "x",
                api_config.url(f"/@bob/{shown['id']}")):
        assert (await api.get("/api/oembed", params={"url": url})).status == 404, url
    assert (await api.get("/api/oembed")).status == 404


async def _card_for(db: Database, clock: Any, url: str, status_ids: list[int]) -> None:
    async with db.transaction() as conn:
        card_id, _ = await cards_q.upsert_card(conn, card_id=new_id(),
                                               card=NewCard(url=url, title="An article",
                                                            author_name="Ann",
                                                            author_url="https://news.test/ann",
                                                            provider_url="https://news.test/",
                                                            embed_url="https://news.test/e"),
                                               now=clock.now())
        for status_id in status_ids:
            await cards_q.link_status(conn, status_id=status_id, card_id=card_id, url=url)


async def test_link_timeline(api: Any, member: Any, db: Database, clock: Any) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    url = "https://news.test/article"
    first = await _post(api, ada, status="Read this")
    second = await _post(api, bob, status="Me too")
    private = await _post(api, cy, status="Quietly", visibility="private")
    other = await _post(api, cy, status="Elsewhere")
    await _card_for(db, clock, url, [int(first["id"]), int(second["id"]), int(private["id"])])
    await _card_for(db, clock, "https://news.test/other", [int(other["id"])])
    resp = await api.get("/api/v1/timelines/link", params={"url": url})
    assert resp.status == 200
    body = await resp.json()
    validate_list(body, "Status")
    assert [s["id"] for s in body] == [second["id"], first["id"]]
    page = await api.get("/api/v1/timelines/link", params={"url": url, "limit": "1"})
    assert [s["id"] for s in await page.json()] == [second["id"]]
    assert 'rel="next"' in page.headers["Link"]
    older = await api.get("/api/v1/timelines/link",
                          params={"url": url, "max_id": second["id"]})
    assert [s["id"] for s in await older.json()] == [first["id"]]
    # an account that did not opt in to discovery is left out; blocks apply to the viewer
    async with db.transaction() as conn:
        await conn.execute("UPDATE accounts SET discoverable = false WHERE id = $1",
                           bob.user.account_id)
    await api.post(f"/api/v1/accounts/{ada.user.account_id}/block", headers=cy.headers)
    seen = await (await api.get("/api/v1/timelines/link", params={"url": url},
                                headers=cy.headers)).json()
    assert seen == []
    assert (await api.get("/api/v1/timelines/link",
                          params={"url": "https://news.test/unknown"})).status == 404
    assert (await api.get("/api/v1/timelines/link")).status == 404


async def test_translation_with_an_application_token(api: Any, member: Any) -> None:
    from tests.api.test_registration import app_token
    from tests.api.conftest import bearer

    ada = await member("ada")
    public = await _post(api, ada, status="Hallo")
    token, _ = await app_token(api)
    resp = await api.post(f"/api/v1/statuses/{public['id']}/translate", headers=bearer(token))
    assert resp.status == 403


async def test_terms_of_an_earlier_charter_name_their_successor(
        api: Any, db: Database, api_config: Any, clock: Any) -> None:
    from tests.governance.factories import found_coop

    await found_coop(db, api_config, clock, ["ada"])
    founded = clock.now().date()
    amended = founded + timedelta(days=3)
    async with db.transaction() as conn:
        # An amendment as adoption would store it, without running a whole vote: the
        # proposal it names is not made, so its foreign key is not checked here.
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute(
            "INSERT INTO charter_versions (version, text, parameters, proposal_id, adopted_at,"
            " log_seq) SELECT 2, text || E'\\n\\nAmended.', parameters, 1, adopted_at + "
            "interval '3 days', log_seq FROM charter_versions WHERE version = 1")
    old = await (await api.get(f"/api/v1/instance/terms_of_service/{founded}")).json()
    validate(old, "TermsOfService")
    assert old["effective"] is False and old["succeeded_by"] == amended.isoformat()
    assert "Amended." not in old["content"]
    new = await (await api.get(f"/api/v1/instance/terms_of_service/{amended}")).json()
    assert new["effective"] is True and new["succeeded_by"] is None
    assert "Amended." in new["content"]
