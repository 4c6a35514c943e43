"""Create: remote posts as a Mastodon user would see them arrive."""

from __future__ import annotations

from typing import Any

import pytest

from server.federation.activitypub import remote_actors
from server.federation.uris import PUBLIC
from server.statuses.remote import visibility_from_audience
from tests.fakes.fediverse import FakeActor, FakeServer
from tests.federation.conftest import Local
from tests.federation.factories import follow
from tests.federation.helpers import deliver_and_process
from tests.federation.inbox.support import create_note, fetch, home, notifications, status

FOLLOWERS = "http://mastodon.test/users/alice/followers"


async def _followed_by_ada(local: Local, ada: Any, actor: FakeActor) -> Any:
    account = await remote_actors.fetch_actor(local.ctx, actor.uri)
    await follow(local.db, local.clock, ada.account_id, account.id)
    return account


async def test_a_post_with_cw_media_mention_and_hashtag_reaches_a_followers_home(
        local: Local, ada: Any, alice: FakeActor) -> None:
    await _followed_by_ada(local, ada, alice)
    activity = create_note(alice, 1)
    item = await deliver_and_process(local, alice, activity)
    assert (item.state, item.error) == ("processed", None)
    post = await status(local, f"{alice.uri}/statuses/1")
    assert post is not None and not post.local
    assert "the tomatoes came up!" in post.content and 'class="mention hashtag"' in post.content
    assert (post.spoiler_text, post.sensitive, post.language) == ("garden spoilers", True, "en")
    assert post.visibility == "public"
    assert post.url == "http://mastodon.test/@alice/112233445566778899"
    assert await home(local, ada.account_id) == [post.id]
    assert await notifications(local, ada.account_id) == [("mention", post.id)]
    media = await fetch(local, "SELECT type, remote_url, description, blurhash, meta, focus_x, "
                               "focus_y FROM media_attachments WHERE status_id = $1", post.id)
    assert media == [{
        "type": "image", "remote_url": "http://mastodon.test/system/media_attachments/files/"
        "112/233/445/original/tomatoes.jpg",
        "description": "Six small tomato seedlings in a wooden box",
        "blurhash": "UCF~BSxu00Rj~qofM{WB00WB%MayRjj[xuWB",
        "meta": {"original": {"width": 1600, "height": 1200},
                 "focus": {"x": 0.12, "y": -0.4}},
        "focus_x": pytest.approx(0.12), "focus_y": pytest.approx(-0.4)}]
    tags = await fetch(local, "SELECT t.name FROM status_tags st JOIN tags t ON t.id = st.tag_id "
                              "WHERE st.status_id = $1", post.id)
    assert tags == [{"name": "coop"}]
    mentions = await fetch(local, "SELECT account_id FROM mentions WHERE status_id = $1", post.id)
    assert mentions == [{"account_id": ada.account_id}]


async def test_the_same_post_delivered_twice_is_stored_once(local: Local, ada: Any,
                                                            alice: FakeActor) -> None:
    await _followed_by_ada(local, ada, alice)
    first = create_note(alice, 2)
    await deliver_and_process(local, alice, first)
    again = {**first, "id": first["id"] + "-redelivered"}
    item = await deliver_and_process(local, alice, again)
    assert item.state == "ignored" and "already stored" in item.error
    rows = await fetch(local, "SELECT id FROM statuses WHERE uri = $1", f"{alice.uri}/statuses/2")
    assert len(rows) == 1
    assert len(await home(local, ada.account_id)) == 1
    assert len(await notifications(local, ada.account_id)) == 1
    assert len(await fetch(local, "SELECT id FROM media_attachments")) == 1


async def test_hostile_html_is_sanitised(local: Local, ada: Any, alice: FakeActor) -> None:
    hostile = ('<p onclick="steal()">Hi <script>alert(1)</script>'
               '<a href="javascript:alert(2)">click</a> <img src=x onerror="x()">'
               '<a href="https://example.org/ok" style="color:red">fine</a>'
               '<iframe src="https://evil.example"></iframe></p>')
    item = await deliver_and_process(local, alice, create_note(alice, 3, content=hostile,
                                                               contentMap={"en": hostile}))
    assert item.state == "processed"
    post = await status(local, f"{alice.uri}/statuses/3")
    assert post is not None
    for bad in ("<script", "alert(1)", "javascript:", "onclick", "onerror", "<img", "<iframe",
                "style="):
        assert bad not in post.content, bad
    assert 'href="https://example.org/ok"' in post.content and "Hi" in post.content


async def test_a_question_becomes_a_poll_with_the_remote_counts(local: Local, ada: Any,
                                                                alice: FakeActor) -> None:
    item = await deliver_and_process(local, alice, create_note(alice, 4, fixture="create_question"))
    assert item.state == "processed"
    post = await status(local, f"{alice.uri}/statuses/4")
    assert post is not None
    polls = await fetch(local, "SELECT options, multiple, expires_at, remote_counts, "
                               "remote_voters FROM polls WHERE status_id = $1", post.id)
    assert len(polls) == 1
    poll = polls[0]
    assert poll["options"] == ["Tuesday", "Thursday"] and poll["multiple"] is False
    assert poll["remote_counts"] == [4, 3] and poll["remote_voters"] == 7
    assert poll["expires_at"].isoformat() == "2024-05-06T12:00:00+00:00"


async def test_an_article_is_shown_with_its_title_and_a_link(local: Local, ada: Any,
                                                             alice: FakeActor) -> None:
    activity = create_note(alice, 5, type="Article", name="Seed swap <report>", content="",
                           contentMap=None, url="http://mastodon.test/blog/seed-swap")
    item = await deliver_and_process(local, alice, activity)
    assert item.state == "processed"
    post = await status(local, f"{alice.uri}/statuses/5")
    assert post is not None
    assert "<strong>Seed swap &lt;report&gt;</strong>" in post.content
    assert 'href="http://mastodon.test/blog/seed-swap"' in post.content


async def test_a_mismatched_attributed_to_is_refused_and_nothing_is_stored(
        local: Local, ada: Any, alice: FakeActor) -> None:
    activity = create_note(alice, 6, attributedTo="http://mastodon.test/users/bob")
    item = await deliver_and_process(local, alice, activity)
    assert item.state == "failed" and "attributed to someone other" in item.error
    assert await fetch(local, "SELECT id FROM statuses") == []


async def test_an_object_with_an_id_on_another_host_is_fetched_from_its_origin(
        local: Local, ada: Any, alice: FakeActor, gts: FakeServer) -> None:
    # alice's server claims a post that lives on gts.test; gts.test has the real one, by bob.
    bob = gts.add_actor("bob")
    genuine = create_note(bob, 7)["object"]
    genuine["content"] = "<p>the real words</p>"
    gts.add_object(genuine)
    forged = create_note(alice, 7)
    forged["object"] = {**forged["object"], "id": genuine["id"], "content": "<p>forged</p>"}
    item = await deliver_and_process(local, alice, forged)
    assert gts.fetches_of("/users/bob/statuses/7") == 1
    assert item.state == "failed" and "attributed to someone other" in item.error
    assert await fetch(local, "SELECT id FROM statuses") == []


async def test_a_create_naming_its_object_by_id_fetches_it(local: Local, ada: Any,
                                                           alice: FakeActor) -> None:
    await _followed_by_ada(local, ada, alice)
    activity = create_note(alice, 8)
    alice.server.add_object(activity["object"])
    activity["object"] = activity["object"]["id"]
    item = await deliver_and_process(local, alice, activity)
    assert item.state == "processed"
    assert alice.server.fetches_of("/users/alice/statuses/8") == 1
    post = await status(local, f"{alice.uri}/statuses/8")
    assert post is not None and await home(local, ada.account_id) == [post.id]


async def test_a_reply_to_an_unknown_post_fetches_the_parent_in_a_job(
        local: Local, ada: Any, alice: FakeActor, mastodon: FakeServer) -> None:
    bob = mastodon.add_actor("bob")
    parent = create_note(bob, 9)["object"]
    mastodon.add_object(parent)
    reply = create_note(alice, 10, inReplyTo=parent["id"])
    item = await deliver_and_process(local, alice, reply)
    assert item.state == "processed"
    stored_parent = await status(local, parent["id"])
    stored_reply = await status(local, f"{alice.uri}/statuses/10")
    assert stored_parent is not None and stored_reply is not None
    assert stored_reply.in_reply_to_id == stored_parent.id
    assert stored_reply.in_reply_to_uri == parent["id"]


async def test_a_followers_only_post_reaches_followers_and_a_direct_one_only_the_mentioned(
        local: Local, ada: Any, alice: FakeActor) -> None:
    from tests.federation.factories import make_member
    await _followed_by_ada(local, ada, alice)
    grace = await make_member(local.db, local.config, local.clock, "grace")
    private = create_note(alice, 11, to=[FOLLOWERS], cc=[], tag=[])
    direct = create_note(alice, 12, to=["http://ch.test/users/grace"], cc=[],
                         tag=[{"type": "Mention", "href": "http://ch.test/users/grace",
                               "name": "@grace@ch.test"}])
    for activity in (private, direct):
        assert (await deliver_and_process(local, alice, activity)).state == "processed"
    p = await status(local, f"{alice.uri}/statuses/11")
    d = await status(local, f"{alice.uri}/statuses/12")
    assert p is not None and d is not None
    assert (p.visibility, d.visibility) == ("private", "direct")
    assert await home(local, ada.account_id) == [p.id]
    assert await home(local, grace.account_id) == [d.id]
    assert await notifications(local, grace.account_id) == [("mention", d.id)]


@pytest.mark.parametrize(("to", "cc", "expected"), [
    ([PUBLIC], [FOLLOWERS], "public"),
    ([PUBLIC], [], "public"),
    ([FOLLOWERS], [PUBLIC], "unlisted"),
    ([], [PUBLIC], "unlisted"),
    ([FOLLOWERS], [], "private"),
    ([FOLLOWERS], ["http://ch.test/users/ada"], "private"),
    ([], [FOLLOWERS], "direct"),             # followers only in cc: Mastodon says direct
    (["http://ch.test/users/ada"], [], "direct"),
    ([], [], "direct"),
])
def test_visibility_from_to_and_cc_as_mastodon_maps_it(to: list[str], cc: list[str],
                                                       expected: str) -> None:
    assert visibility_from_audience(to=tuple(to), cc=tuple(cc),
                                    followers_url=FOLLOWERS) == expected


async def test_custom_emoji_are_kept_for_the_client_api(local: Local, ada: Any,
                                                        alice: FakeActor) -> None:
    from server.statuses.inbound import queries as inbound_q
    emoji = {"id": "http://mastodon.test/emojis/1", "type": "Emoji", "name": ":tomato_dance:",
             "updated": "2024-01-01T00:00:00Z",
             "icon": {"type": "Image", "mediaType": "image/png",
                      "url": "http://mastodon.test/system/custom_emojis/tomato_dance.png"}}
    activity = create_note(alice, 13, tag=[emoji])
    assert (await deliver_and_process(local, alice, activity)).state == "processed"
    post = await status(local, f"{alice.uri}/statuses/13")
    assert post is not None
    async with local.db.acquire() as conn:
        found = await inbound_q.list_status_emojis(conn, status_ids=[post.id])
    assert found == [{"status_id": post.id, "shortcode": "tomato_dance",
                      "url": "http://mastodon.test/system/custom_emojis/tomato_dance.png"}]
