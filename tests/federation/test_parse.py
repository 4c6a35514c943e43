"""ActivityPub JSON to the shared vocabulary, over the Mastodon-shaped payload fixtures, and
the malformed cases that must fail with a reason."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from server.errors import MalformedActivityError
from server.federation import vocabulary as v
from server.federation.activitypub.parse import UnsupportedActivityError, parse_activity
from server.federation.uris import PUBLIC
from tests.conftest import make_config
from tests.fakes.fediverse import payload

CONFIG = make_config()
ALICE = "http://mastodon.test/users/alice"


def parsed(name: str) -> Any:
    return parse_activity(payload(f"mastodon/{name}.json"), CONFIG)


def test_create_note_keeps_everything_a_post_needs() -> None:
    create = parsed("create_note")
    assert isinstance(create, v.Create) and create.actor_uri == ALICE
    note = create.note
    assert note.uri == f"{ALICE}/statuses/112233445566778899" and note.kind == "Note"
    assert note.author_uri == ALICE and note.summary == "garden spoilers" and note.sensitive
    assert note.language == "en" and "tomatoes came up" in note.content
    assert note.published == datetime(2024, 5, 2, 9, 30, tzinfo=UTC)
    assert note.url == "http://mastodon.test/@alice/112233445566778899"
    assert note.to == (PUBLIC,)
    assert note.cc == (f"{ALICE}/followers", "http://ch.test/users/ada")
    assert note.mentions == (v.Mention("http://ch.test/users/ada", "@ada@ch.test"),)
    assert note.hashtags == ("coop",)
    [image] = note.attachments
    assert image.media_type == "image/jpeg" and image.url.endswith("/tomatoes.jpg")
    assert image.description == "Six small tomato seedlings in a wooden box"
    assert image.blurhash == "UCF~BSxu00Rj~qofM{WB00WB%MayRjj[xuWB"
    assert image.focal_point == (0.12, -0.4) and (image.width, image.height) == (1600, 1200)
    assert note.in_reply_to is None and note.poll is None


def test_create_question_carries_its_poll() -> None:
    note = parsed("create_question").note
    assert note.kind == "Question" and note.poll is not None
    assert note.poll.options == (v.PollOption("Tuesday", 4), v.PollOption("Thursday", 3))
    assert not note.poll.multiple and note.poll.voters_count == 7
    assert note.poll.ends_at == datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("name", "kind", "check"), [
    ("follow", v.Follow, lambda a: a.object_uri == "http://ch.test/users/ada"),
    ("accept", v.Accept, lambda a: a.follow is not None
     and a.follow.actor_uri == "http://ch.test/users/ada"),
    ("undo_like", v.Undo, lambda a: isinstance(a.inner, v.Like) and a.object.type == "Like"),
    ("like", v.Like, lambda a: a.object_uri.endswith("/statuses/7000000000000000001")),
    ("announce", v.Announce, lambda a: a.to == (PUBLIC,) and a.published is not None),
    ("update_note", v.NoteUpdate, lambda a: a.note.updated is not None),
    ("delete_note", v.Delete, lambda a: a.object_type == "Tombstone" and not a.deletes_actor),
    ("delete_actor", v.Delete, lambda a: a.deletes_actor),
    ("block", v.Block, lambda a: a.object_uri == "http://ch.test/users/ada"),
    ("move", v.Move, lambda a: a.target_uri == "http://gts.test/users/alice"),
    ("flag", v.Flag, lambda a: len(a.object_uris) == 2 and a.content.startswith("Spam")),
])
def test_every_fixture_parses_to_its_vocabulary_type(name: str, kind: type,
                                                     check: Any) -> None:
    activity = parsed(name)
    assert isinstance(activity, kind)
    assert check(activity)


def test_update_of_an_actor_is_a_profile_update() -> None:
    update = payload("mastodon/update_actor.json")
    update["object"] = {**payload("mastodon/actor.json")}
    activity = parse_activity(update, CONFIG)
    assert isinstance(activity, v.ActorUpdate) and activity.document["id"] == ALICE


def test_public_addressing_is_read_in_all_its_spellings() -> None:
    announce = payload("mastodon/announce.json")
    announce["to"] = "as:Public"
    announce["cc"] = ["Public", {"id": f"{ALICE}/followers"}]
    activity = parse_activity(announce, CONFIG)
    assert activity.to == (PUBLIC,) and activity.cc == (PUBLIC, f"{ALICE}/followers")


def _with(name: str, **changes: Any) -> dict[str, Any]:
    doc = payload(f"mastodon/{name}.json")
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(doc.get(key), dict):
            doc[key] = {**doc[key], **value}
        else:
            doc[key] = value
    return doc


@pytest.mark.parametrize(("doc", "message"), [
    (_with("follow", object=None), "Follow object"),
    (_with("follow", actor="urn:x"), "actor must be"),
    (_with("like", object=["not a uri"]), "Like object"),
    (_with("create_note", object=42), "must embed"),
    (_with("create_note", object="not a uri"), "Create object"),
    (_with("create_note", object={"attributedTo": "http://mastodon.test/users/bob"}),
     "attributed to someone other"),
    (_with("create_note", object={"id": None}), "the object id"),
    (_with("undo_like", object={"actor": "http://mastodon.test/users/bob"}),
     "only undo its own"),
    (_with("move", object="http://mastodon.test/users/bob"), "only move itself"),
    (_with("flag", object=[]), "at least one"),
    (_with("update_actor", object={"id": "http://mastodon.test/users/bob", "type": "Person"}),
     "only update its own"),
])
def test_malformed_activities_fail_with_a_reason(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(MalformedActivityError, match=message):
        parse_activity(doc, CONFIG)


@pytest.mark.parametrize("doc", [
    {"id": f"{ALICE}#x", "type": "Add", "actor": ALICE, "object": "x"},
    _with("create_note", object={"type": "ChatMessage"}),
    _with("undo_like", object={"type": "Add"}),
    _with("update_note", object={"type": "Collection"}),
])
def test_types_we_do_not_know_are_unsupported_not_malformed(doc: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedActivityError):
        parse_activity(doc, CONFIG)
