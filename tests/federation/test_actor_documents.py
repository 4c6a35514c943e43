"""Actor documents, content negotiation, the instance actor, collections and posts as served
to other servers."""

from __future__ import annotations

from typing import Any

import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.federation.activitypub.signatures import load_public_key
from server.federation.uris import PUBLIC
from tests.federation.factories import (
    add_media,
    add_mention_and_tag,
    follow,
    make_member,
    make_remote_account,
    make_status,
    pin,
)

AP = {"Accept": "application/activity+json"}
LD = {"Accept": 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
async def ada(db: Database, config: Config, clock: FrozenClock) -> Any:
    user = await make_member(db, config, clock, "ada")
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE accounts SET display_name = 'Ada L.', note = 'Counting #coop votes',"
            " locked = true, fields = $2, avatar_url = 'http://ch.test/media/a.png',"
            " also_known_as = '{http://mastodon.test/users/ada_old}' WHERE id = $1",
            user.account_id, [{"name": "Pronouns", "value": "she/her"}])
    return user


async def test_actor_document_has_every_field_peers_read(client: Any, ada: Any) -> None:
    resp = await client.get("/users/ada", headers=AP)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "application/activity+json; charset=utf-8"
    assert resp.headers["Vary"] == "Accept"
    doc = await resp.json(content_type=None)
    uri = "http://ch.test/users/ada"
    assert doc["@context"][:2] == ["https://www.w3.org/ns/activitystreams",
                                   "https://w3id.org/security/v1"]
    terms = doc["@context"][2]
    for term in ("manuallyApprovesFollowers", "discoverable", "indexable", "featured",
                 "alsoKnownAs", "movedTo", "PropertyValue", "value", "toot", "schema"):
        assert term in terms
    assert doc["id"] == uri and doc["type"] == "Person"
    assert doc["preferredUsername"] == "ada" and doc["name"] == "Ada L."
    assert doc["summary"].startswith("<p>Counting <a href=\"http://ch.test/tags/coop\"")
    assert doc["url"] == "http://ch.test/@ada"
    assert doc["inbox"] == f"{uri}/inbox" and doc["outbox"] == f"{uri}/outbox"
    assert doc["followers"] == f"{uri}/followers" and doc["following"] == f"{uri}/following"
    assert doc["featured"] == f"{uri}/collections/featured"
    assert doc["endpoints"] == {"sharedInbox": "http://ch.test/inbox"}
    assert doc["publicKey"]["id"] == f"{uri}#main-key" and doc["publicKey"]["owner"] == uri
    load_public_key(doc["publicKey"]["publicKeyPem"])
    assert doc["manuallyApprovesFollowers"] is True
    assert doc["discoverable"] is True and doc["indexable"] is True
    assert doc["published"].endswith("T00:00:00Z")
    assert doc["attachment"] == [{"type": "PropertyValue", "name": "Pronouns",
                                  "value": "she/her"}]
    assert doc["alsoKnownAs"] == ["http://mastodon.test/users/ada_old"]
    assert doc["icon"] == {"type": "Image", "url": "http://ch.test/media/a.png",
                           "mediaType": "image/png"}
    assert "image" not in doc and "movedTo" not in doc


async def test_ld_json_accept_gets_ld_json(client: Any, ada: Any) -> None:
    resp = await client.get("/users/ada", headers=LD)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == \
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    assert (await resp.json(content_type=None))["id"] == "http://ch.test/users/ada"


@pytest.mark.parametrize("path", ["/users/ada", "/@ada"])
async def test_browsers_get_the_profile_page_at_both_addresses(client: Any, db: Database,
                                                               config: Config, clock: FrozenClock,
                                                               ada: Any, path: str) -> None:
    await make_status(db, clock, account_id=ada.account_id, username="ada", config=config,
                      content="<p>first public post</p>")
    await make_status(db, clock, account_id=ada.account_id, username="ada", config=config,
                      content="<p>for followers only</p>", visibility="private")
    resp = await client.get(path, headers=BROWSER)
    assert resp.status == 200 and resp.content_type == "text/html"
    page = await resp.text()
    assert "Ada L." in page and "@ada@ch.test" in page
    assert "first public post" in page and "for followers only" not in page


async def test_unknown_and_unapproved_accounts_are_not_found(client: Any, db: Database,
                                                             config: Config,
                                                             clock: FrozenClock) -> None:
    await make_member(db, config, clock, "waiting", approved=False)
    for path in ("/users/nobody", "/users/waiting", "/users/nobody/outbox"):
        resp = await client.get(path, headers=AP)
        assert resp.status == 404
        assert "error" in await resp.json(content_type=None)


async def test_instance_actor_is_an_application_with_a_stable_key(client: Any) -> None:
    first = await (await client.get("/actor", headers=AP)).json(content_type=None)
    second = await (await client.get("/actor")).json(content_type=None)
    assert first["type"] == "Application" and first["id"] == "http://ch.test/actor"
    assert first["preferredUsername"] == "ch.test"
    assert first["publicKey"]["id"] == "http://ch.test/actor#main-key"
    assert first["publicKey"]["publicKeyPem"] == second["publicKey"]["publicKeyPem"]
    load_public_key(first["publicKey"]["publicKeyPem"])


async def test_followers_and_following_are_paged_with_totals(client: Any, db: Database,
                                                             clock: FrozenClock,
                                                             ada: Any) -> None:
    remote = [await make_remote_account(db, clock, f"fan{i}") for i in range(42)]
    for account_id in remote:
        await follow(db, clock, account_id, ada.account_id)
    await follow(db, clock, ada.account_id, remote[0])
    doc = await (await client.get("/users/ada/followers", headers=AP)).json(content_type=None)
    assert doc["type"] == "OrderedCollection" and doc["totalItems"] == 42
    assert doc["first"] == "http://ch.test/users/ada/followers?page=1"
    page1 = await (await client.get(doc["first"].removeprefix("http://ch.test"),
                                    headers=AP)).json(content_type=None)
    assert page1["type"] == "OrderedCollectionPage" and len(page1["orderedItems"]) == 40
    assert page1["partOf"] == "http://ch.test/users/ada/followers"
    page2 = await (await client.get(page1["next"].removeprefix("http://ch.test"),
                                    headers=AP)).json(content_type=None)
    assert len(page2["orderedItems"]) == 2 and "next" not in page2
    everyone = set(page1["orderedItems"]) | set(page2["orderedItems"])
    assert everyone == {f"http://mastodon.test/users/fan{i}" for i in range(42)}
    following = await (await client.get("/users/ada/following?page=1",
                                        headers=AP)).json(content_type=None)
    assert following["totalItems"] == 1
    assert following["orderedItems"] == ["http://mastodon.test/users/fan0"]
    assert (await client.get("/users/ada/followers?page=0", headers=AP)).status == 400


async def test_outbox_lists_public_and_unlisted_posts_and_boosts(
        client: Any, db: Database, config: Config, clock: FrozenClock, ada: Any) -> None:
    alice = await make_remote_account(db, clock, "alice")
    theirs = await make_status(db, clock, account_id=alice, username=None,
                               uri="http://mastodon.test/users/alice/statuses/1")
    public = await make_status(db, clock, account_id=ada.account_id, username="ada",
                               config=config, language="en", spoiler_text="cw",
                               sensitive=True)
    await make_status(db, clock, account_id=ada.account_id, username="ada",
                                 config=config, visibility="unlisted", in_reply_to_id=theirs.id)
    await make_status(db, clock, account_id=ada.account_id, username="ada", config=config,
                      visibility="private")
    await make_status(db, clock, account_id=ada.account_id, username="ada", config=config,
                      visibility="direct")
    boost = await make_status(db, clock, account_id=ada.account_id, username="ada",
                              config=config, reblog_of_id=theirs.id, content="")
    await add_mention_and_tag(db, clock, status_id=public.id, account_id=alice, tag="coop")
    await add_media(db, clock, account_id=ada.account_id, status_id=public.id)
    outbox = await (await client.get("/users/ada/outbox", headers=AP)).json(content_type=None)
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 3
    page = await (await client.get("/users/ada/outbox?page=true",
                                   headers=AP)).json(content_type=None)
    items = page["orderedItems"]
    assert [i["type"] for i in items] == ["Announce", "Create", "Create"]
    announce, reply, post = items
    assert announce["id"] == boost.uri and announce["object"] == theirs.uri
    assert announce["to"] == [PUBLIC]
    assert announce["cc"] == ["http://mastodon.test/users/alice",
                              "http://ch.test/users/ada/followers"]
    assert reply["object"]["inReplyTo"] == theirs.uri
    assert reply["object"]["to"] == ["http://ch.test/users/ada/followers"]
    assert reply["object"]["cc"] == [PUBLIC]
    note = post["object"]
    assert post["id"] == f"{public.uri}/activity" and post["actor"] == "http://ch.test/users/ada"
    assert note["id"] == public.uri and note["type"] == "Note"
    assert note["to"] == [PUBLIC]
    assert note["cc"] == ["http://ch.test/users/ada/followers", "http://mastodon.test/users/alice"]
    assert note["summary"] == "cw" and note["sensitive"] is True
    assert note["contentMap"] == {"en": "<p>hi</p>"}
    assert note["url"] == f"http://ch.test/@ada/{public.id}"
    assert {"type": "Mention", "href": "http://mastodon.test/users/alice",
            "name": "@alice@mastodon.test"} in note["tag"]
    assert {"type": "Hashtag", "href": "http://ch.test/tags/coop", "name": "#coop"} in note["tag"]
    [media] = note["attachment"]
    assert media == {"type": "Document", "mediaType": "image/jpeg",
                     "url": "http://ch.test/media/1/original.jpg", "name": "alt text",
                     "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj", "focalPoint": [0.25, -0.5],
                     "width": 640, "height": 480}
    assert note["replies"]["id"] == f"{public.uri}/replies"


async def test_featured_collection_holds_pinned_posts(client: Any, db: Database,
                                                      config: Config, clock: FrozenClock,
                                                      ada: Any) -> None:
    pinned = await make_status(db, clock, account_id=ada.account_id, username="ada",
                               config=config)
    await make_status(db, clock, account_id=ada.account_id, username="ada", config=config)
    await pin(db, clock, ada.account_id, pinned.id)
    doc = await (await client.get("/users/ada/collections/featured",
                                  headers=AP)).json(content_type=None)
    assert doc["totalItems"] == 1 and doc["orderedItems"][0]["id"] == pinned.uri


async def test_a_post_is_served_as_a_note_and_its_activity_as_a_create(
        client: Any, db: Database, config: Config, clock: FrozenClock, ada: Any) -> None:
    status = await make_status(db, clock, account_id=ada.account_id, username="ada",
                               config=config)
    path = f"/users/ada/statuses/{status.id}"
    note = await (await client.get(path, headers=AP)).json(content_type=None)
    assert note["id"] == status.uri and note["attributedTo"] == "http://ch.test/users/ada"
    assert "@context" in note
    create = await (await client.get(f"{path}/activity", headers=AP)).json(content_type=None)
    assert create["type"] == "Create" and create["object"]["id"] == status.uri
    page = await client.get(f"/@ada/{status.id}", headers=BROWSER)
    assert page.status == 200 and "<p>hi</p>" in await page.text()


async def test_deleted_posts_are_gone_and_private_ones_not_found(
        client: Any, db: Database, config: Config, clock: FrozenClock, ada: Any) -> None:
    deleted = await make_status(db, clock, account_id=ada.account_id, username="ada",
                                config=config)
    async with db.transaction() as conn:
        await conn.execute("UPDATE statuses SET deleted_at = $2 WHERE id = $1", deleted.id,
                           clock.now())
    private = await make_status(db, clock, account_id=ada.account_id, username="ada",
                                config=config, visibility="private")
    resp = await client.get(f"/users/ada/statuses/{deleted.id}", headers=AP)
    assert resp.status == 410
    assert await resp.json(content_type=None) == {
        "@context": "https://www.w3.org/ns/activitystreams", "id": deleted.uri,
        "type": "Tombstone"}
    assert (await client.get(f"/users/ada/statuses/{private.id}", headers=AP)).status == 404
    assert (await client.get("/users/ada/statuses/99999999999999999999",
                             headers=AP)).status == 404
