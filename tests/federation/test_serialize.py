"""The pure serializers: addressing per visibility, polls as Questions, boosts, tombstones."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from server.federation.activitypub import serialize
from server.federation.activitypub.notes import AuthorRef
from server.federation.uris import PUBLIC
from server.statuses import quote_policy
from server.statuses.queries import Status
from tests.conftest import make_config

CONFIG = make_config()
ADA = AuthorRef("http://ch.test/users/ada", "http://ch.test/users/ada/followers")
FOLLOWERS = ADA.followers_url
BOB = {"uri": "http://mastodon.test/users/bob", "username": "bob", "domain": "mastodon.test"}
CY = {"uri": "http://ch.test/users/cy", "username": "cy", "domain": None}
WHEN = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
STATUS = Status(
    id=1, account_id=1, uri="http://ch.test/users/ada/statuses/1",
    url="http://ch.test/@ada/1", local=True, in_reply_to_id=None, in_reply_to_account_id=None,
    in_reply_to_uri=None, reblog_of_id=None, conversation_id=None, content="<p>hello</p>",
    text_source="hello", spoiler_text="", sensitive=False, visibility="public", language=None,
    application_id=None, edited_at=None, deleted_at=None, created_at=WHEN, updated_at=WHEN,
    replies_count=0, reblogs_count=0, favourites_count=0, quotes_count=0,
    quote_policy=quote_policy.CHOICES["public"])


@pytest.mark.parametrize(("visibility", "to", "cc"), [
    ("public", [PUBLIC], [FOLLOWERS, BOB["uri"], CY["uri"]]),
    ("unlisted", [FOLLOWERS], [PUBLIC, BOB["uri"], CY["uri"]]),
    ("private", [FOLLOWERS], [BOB["uri"], CY["uri"]]),
    ("direct", [BOB["uri"], CY["uri"]], []),
])
def test_each_visibility_is_addressed_as_mastodon_addresses_it(visibility: str, to: list[str],
                                                               cc: list[str]) -> None:
    note = serialize.to_ap_note(replace(STATUS, visibility=visibility), author=ADA,
                                mentions=[BOB, CY], tags=[], media=[], config=CONFIG)
    assert (note["to"], note["cc"]) == (to, cc)
    names = [t["name"] for t in note["tag"]]
    assert names == ["@bob@mastodon.test", "@cy"]


@pytest.mark.parametrize(("choice", "approved"), [
    ("public", [PUBLIC]), ("followers", [FOLLOWERS]), ("nobody", [ADA.uri]),
])
def test_a_members_note_says_who_may_quote_it(choice: str, approved: list[str]) -> None:
    note = serialize.to_ap_note(replace(STATUS, quote_policy=quote_policy.CHOICES[choice]),
                                author=ADA, mentions=[], tags=[], media=[], config=CONFIG)
    assert note["interactionPolicy"] == {"canQuote": {"automaticApproval": approved}}
    terms = note["@context"][1]
    assert terms["interactionPolicy"] == {"@id": "gts:interactionPolicy", "@type": "@id"}
    remote = serialize.to_ap_note(replace(STATUS, local=False), author=ADA, mentions=[],
                                  tags=[], media=[], config=CONFIG)
    assert "interactionPolicy" not in remote


def test_an_edited_post_in_a_language_has_updated_and_content_map() -> None:
    edited = replace(STATUS, language="de", edited_at=WHEN + timedelta(minutes=3),
                     spoiler_text="Achtung", sensitive=True)
    note = serialize.to_ap_note(edited, author=ADA, mentions=[], tags=["Koop"], media=[],
                                config=CONFIG, in_reply_to="http://mastodon.test/notes/1")
    assert note["contentMap"] == {"de": "<p>hello</p>"}
    assert note["updated"] == "2030-01-01T12:03:00Z" and note["published"] == "2030-01-01T12:00:00Z"
    assert note["summary"] == "Achtung" and note["sensitive"] is True
    assert note["inReplyTo"] == "http://mastodon.test/notes/1"
    assert note["tag"] == [{"type": "Hashtag", "href": "http://ch.test/tags/koop",
                            "name": "#Koop"}]


def test_a_post_with_a_poll_is_a_question() -> None:
    poll = {"options": [{"title": "Tuesday", "votes": 4}, {"title": "Thursday", "votes": 3}],
            "multiple": True, "expires_at": WHEN + timedelta(days=1), "closed": False,
            "voters_count": 6}
    note = serialize.to_ap_note(STATUS, author=ADA, mentions=[], tags=[], media=[],
                                config=CONFIG, poll=poll)
    assert note["type"] == "Question" and "oneOf" not in note
    assert note["anyOf"] == [
        {"type": "Note", "name": "Tuesday", "replies": {"type": "Collection", "totalItems": 4}},
        {"type": "Note", "name": "Thursday", "replies": {"type": "Collection", "totalItems": 3}}]
    assert note["endTime"] == "2030-01-02T12:00:00Z" and "closed" not in note
    assert note["votersCount"] == 6


def test_create_wraps_the_note_with_the_same_audience() -> None:
    note = serialize.to_ap_note(STATUS, author=ADA, mentions=[BOB], tags=[], media=[],
                                config=CONFIG)
    create = serialize.to_ap_create(note, status=STATUS, author=ADA)
    assert create["id"] == f"{STATUS.uri}/activity" and create["actor"] == ADA.uri
    assert create["to"] == note["to"] and create["cc"] == note["cc"]
    assert "@context" not in create["object"] and create["@context"] == note["@context"]


def test_a_boost_is_an_announce_that_copies_the_boosted_author() -> None:
    boost = replace(STATUS, uri=f"{STATUS.uri}/activity", reblog_of_id=9, content="")
    announce = serialize.to_ap_announce(boost, author=ADA, boosted_uri="http://x.test/n/1",
                                        boosted_author_uri=BOB["uri"])
    assert announce["type"] == "Announce" and announce["object"] == "http://x.test/n/1"
    assert announce["to"] == [PUBLIC] and announce["cc"] == [BOB["uri"], FOLLOWERS]


def test_remote_media_keep_their_url() -> None:
    doc = serialize.to_ap_attachment({"remote_url": "http://x.test/a.png",
                                      "content_type": "image/png"}, config=CONFIG)
    assert doc["url"] == "http://x.test/a.png" and doc["name"] is None


def test_a_deleted_object_is_a_tombstone() -> None:
    assert serialize.to_ap_tombstone("http://ch.test/x") == {
        "@context": "https://www.w3.org/ns/activitystreams", "id": "http://ch.test/x",
        "type": "Tombstone"}
