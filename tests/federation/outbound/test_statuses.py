"""What goes out when a member posts, replies, edits, deletes, boosts and likes: the
activity's shape as Mastodon sends it, `to`/`cc` per visibility, a verified signature, and
one POST per server (its shared inbox), never one per follower."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.federation.uris import PUBLIC
from server.statuses import service as statuses
from server.statuses.compose import Draft, PollDraft
from tests.federation.factories import make_status
from tests.federation.outbound.conftest import World

pytestmark = pytest.mark.usefixtures("world")


async def test_a_public_post_is_one_signed_create_per_server(world: World) -> None:
    for n in range(25):
        await world.remote(f"m{n}", "mastodon.test", follows_ada=True)
    await world.remote("g1", "gts.test", follows_ada=True)
    status = await world.post("Hello fediverse #gardening")
    await world.run()

    for host in ("mastodon.test", "gts.test"):
        posts = world.posts(host)
        assert len(posts) == 1, f"{host} got {len(posts)} POSTs for one post"
        assert posts[0].path == "/inbox"
        world.verify(posts[0])
    create = world.received("mastodon.test")[0]
    assert create["type"] == "Create"
    assert create["id"] == f"{status.uri}/activity"
    assert create["actor"] == world.ada.uri
    note = create["object"]
    assert note["type"] == "Note" and note["id"] == status.uri
    assert note["attributedTo"] == world.ada.uri
    assert create["to"] == note["to"] == [PUBLIC]
    assert create["cc"] == note["cc"] == [f"{world.ada.uri}/followers"]
    assert {"type": "Hashtag", "href": "http://ch.test/tags/gardening",
            "name": "#gardening"} in note["tag"]


@pytest.mark.parametrize(("visibility", "to", "cc", "hosts"), [
    ("public", [PUBLIC], ["FOLLOWERS", "DAVE"], {"mastodon.test", "gts.test"}),
    ("unlisted", ["FOLLOWERS"], [PUBLIC, "DAVE"], {"mastodon.test", "gts.test"}),
    ("private", ["FOLLOWERS"], ["DAVE"], {"mastodon.test", "gts.test"}),
    ("direct", ["DAVE"], [], {"gts.test"}),
])
async def test_addressing_per_visibility(world: World, visibility: str, to: list[str],
                                         cc: list[str], hosts: set[str]) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)
    dave = await world.remote("dave", "gts.test")
    await world.post("@dave@gts.test look at this", visibility=visibility)
    await world.run()

    names = {"FOLLOWERS": f"{world.ada.uri}/followers", "DAVE": dave.uri}
    got = {host for host, _ in world.all_posts()}
    assert got == hosts
    for host in hosts:
        [create] = world.received(host)
        assert create["to"] == [names.get(a, a) for a in to]
        assert create["cc"] == [names.get(a, a) for a in cc]
        assert {"type": "Mention", "href": dave.uri, "name": "@dave@gts.test"} \
            in create["object"]["tag"]


async def test_a_reply_reaches_the_replied_to_author_and_names_the_parent(world: World) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)
    erin = await world.remote("erin", "gts.test")
    parent = await world.remote_status(erin, 7)
    reply = await world.post("Agreed!", in_reply_to_id=parent.id)
    await world.run()

    [create] = world.received("gts.test")
    assert create["object"]["inReplyTo"] == parent.uri
    assert erin.uri in create["cc"]
    assert world.received("mastodon.test")[0]["object"]["id"] == reply.uri


async def test_a_poll_goes_out_as_a_question(world: World) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)
    await world.post("Tea or coffee?", poll=PollDraft(options=["Tea", "Coffee"],
                                                      expires_in=timedelta(days=1)))
    await world.run()

    question = world.received("mastodon.test")[0]["object"]
    assert question["type"] == "Question"
    assert [o["name"] for o in question["oneOf"]] == ["Tea", "Coffee"]
    assert question["oneOf"][0]["replies"] == {"type": "Collection", "totalItems": 0}
    assert question["endTime"].endswith("Z")
    assert question["votersCount"] == 0 and "anyOf" not in question


async def test_edit_then_delete_arrive_in_order_with_the_boosters_told(world: World) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)
    booster = await world.remote("bob", "gts.test")
    status = await world.post("First version")
    await make_status(world.local.db, world.local.clock, account_id=booster.id, username=None,
                      uri=f"{booster.uri}/statuses/9/activity", reblog_of_id=status.id)
    await world.run()
    world.local.clock.advance(timedelta(minutes=3))
    async with world.local.db.transaction() as conn:
        await statuses.edit_status(conn, config=world.local.config, author=world.ada,
                                   status_id=status.id, draft=Draft(text="Second version"),
                                   now=world.local.clock.now())
    await world.run()
    world.local.clock.advance(timedelta(minutes=1))
    async with world.local.db.transaction() as conn:
        await statuses.delete_status(conn, account=world.ada, status_id=status.id,
                                     now=world.local.clock.now())
    await world.run()

    create, update, delete = world.received("mastodon.test")
    assert (create["type"], update["type"], delete["type"]) == ("Create", "Update", "Delete")
    assert update["id"].startswith(f"{status.uri}#updates/")
    assert update["object"]["content"] == "<p>Second version</p>"
    assert update["object"]["updated"] and update["to"] == [PUBLIC]
    assert delete == {
        "@context": delete["@context"], "id": f"{status.uri}#delete", "type": "Delete",
        "actor": world.ada.uri, "to": [PUBLIC],
        "object": {"id": status.uri, "type": "Tombstone", "atomUri": status.uri}}
    # The booster's server holds a copy and hears of the deletion only.
    assert world.types("gts.test") == ["Delete"]
    for _, received in world.all_posts():
        world.verify(received)


async def test_a_post_deleted_before_it_went_out_sends_only_the_delete(world: World) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)
    status = await world.post("oops")
    async with world.local.db.transaction() as conn:
        await statuses.delete_status(conn, account=world.ada, status_id=status.id,
                                     now=world.local.clock.now())
    await world.run()
    assert world.types("mastodon.test") == ["Delete"]


async def test_boost_and_unboost_of_a_remote_post(world: World) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)
    erin = await world.remote("erin", "gts.test")
    original = await world.remote_status(erin, 3)
    async with world.local.db.transaction() as conn:
        boost = await statuses.reblog(conn, config=world.local.config, account=world.ada,
                                      status_id=original.id, now=world.local.clock.now())
    await world.run()
    for host in ("mastodon.test", "gts.test"):
        [announce] = world.received(host)
        assert announce["type"] == "Announce" and announce["id"] == boost.uri
        assert announce["object"] == original.uri and announce["actor"] == world.ada.uri
        assert announce["to"] == [PUBLIC]
        assert announce["cc"] == [erin.uri, f"{world.ada.uri}/followers"]

    async with world.local.db.transaction() as conn:
        await statuses.unreblog(conn, account=world.ada, status_id=original.id,
                                now=world.local.clock.now())
    await world.run()
    for host in ("mastodon.test", "gts.test"):
        undo = world.received(host)[-1]
        assert undo["type"] == "Undo" and undo["id"] == f"{boost.uri}/undo"
        assert undo["object"]["type"] == "Announce" and undo["object"]["id"] == boost.uri
        assert "@context" not in undo["object"]


async def test_like_and_unlike_go_to_the_authors_own_inbox(world: World) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)
    erin = await world.remote("erin", "gts.test")
    liked = await world.remote_status(erin, 4)
    async with world.local.db.transaction() as conn:
        await statuses.favourite(conn, account=world.ada, status_id=liked.id,
                                 now=world.local.clock.now())
        favourite_uri = await conn.fetchval(
            "SELECT uri FROM favourites WHERE status_id = $1", liked.id)
    await world.run()
    assert favourite_uri.startswith(f"{world.ada.uri}#likes/")
    [like] = world.received("gts.test", "/users/erin/inbox")
    assert {k: v for k, v in like.items() if k != "@context"} == {
        "id": favourite_uri, "type": "Like", "actor": world.ada.uri, "object": liked.uri}
    assert world.posts("mastodon.test") == []

    async with world.local.db.transaction() as conn:
        await statuses.unfavourite(conn, account=world.ada, status_id=liked.id,
                                   now=world.local.clock.now())
    await world.run()
    undo = world.received("gts.test", "/users/erin/inbox")[-1]
    assert undo["type"] == "Undo" and undo["id"] == f"{favourite_uri}/undo"
    assert undo["object"]["id"] == favourite_uri and undo["object"]["type"] == "Like"
    for _, received in world.all_posts():
        world.verify(received)


async def test_liking_a_local_post_sends_nothing(world: World) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)
    status = await world.post("mine")
    await world.run()
    async with world.local.db.transaction() as conn:
        await statuses.favourite(conn, account=world.ada, status_id=status.id,
                                 now=world.local.clock.now())
    await world.run()
    assert world.types("mastodon.test") == ["Create"]
    assert world.received("mastodon.test", "/users/alice/inbox") == []
