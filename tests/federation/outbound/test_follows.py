"""What goes out for follows, blocks and profile edits: Follow and Undo(Follow) to the
followed actor, Accept and Reject to a remote follower, Block and Undo(Block), Update(Person)
once per server with followers; and nothing for actions that came from other servers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from server.federation.uris import PUBLIC
from server.follows import service as follows
from server.profiles.service import ProfileChanges, update_credentials
from server.statuses import service as statuses
from tests.federation.outbound.conftest import World

pytestmark = pytest.mark.usefixtures("world")
ALICE_INBOX = "/users/alice/inbox"


def _bare(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "@context"}


async def test_follow_and_unfollow_of_a_remote_account(world: World) -> None:
    alice = await world.remote("alice")
    async with world.local.db.transaction() as conn:
        state = await follows.follow(conn, config=world.local.config, follower=world.ada,
                                     target=alice, now=world.local.clock.now())
        uri = await conn.fetchval("SELECT uri FROM follow_requests WHERE account_id = $1",
                                  world.ada.id)
    await world.run()
    assert state == "requested"
    [follow] = world.received("mastodon.test", ALICE_INBOX)
    assert _bare(follow) == {"id": uri, "type": "Follow", "actor": world.ada.uri,
                             "object": alice.uri}
    assert uri.startswith(f"{world.ada.uri}#follows/")

    async with world.local.db.transaction() as conn:
        await follows.unfollow(conn, follower=world.ada, target=alice, now=world.local.clock.now())
    await world.run()
    undo = world.received("mastodon.test", ALICE_INBOX)[-1]
    assert _bare(undo) == {"id": f"{uri}/undo", "type": "Undo", "actor": world.ada.uri,
                           "object": _bare(follow)}
    for _, received in world.all_posts():
        world.verify(received)


async def test_a_remote_follow_of_an_open_account_is_accepted(world: World) -> None:
    alice = await world.remote("alice")
    follow_uri = "http://mastodon.test/1f2e3d"
    async with world.local.db.transaction() as conn:
        await follows.follow(conn, config=world.local.config, follower=alice, target=world.ada,
                             now=world.local.clock.now(), uri=follow_uri)
    await world.run()
    [accept] = world.received("mastodon.test", ALICE_INBOX)
    assert accept["type"] == "Accept" and accept["actor"] == world.ada.uri
    assert accept["id"].startswith(f"{world.ada.uri}#accepts/follows/")
    assert accept["object"] == {"id": follow_uri, "type": "Follow", "actor": alice.uri,
                                "object": world.ada.uri}
    world.verify(world.posts("mastodon.test")[0])
    # Nothing else: the remote follower's own Follow is not echoed back.
    assert len(world.posts("mastodon.test")) == 1


async def test_a_locked_account_accepts_or_rejects_later(world: World) -> None:
    async with world.local.db.transaction() as conn:
        await conn.execute("UPDATE accounts SET locked = true WHERE id = $1", world.ada.id)
    ada = await world.account(world.ada.id)
    alice = await world.remote("alice")
    bob = await world.remote("bob", "gts.test")
    async with world.local.db.transaction() as conn:
        for who, uri in ((alice, "http://mastodon.test/f1"), (bob, "http://gts.test/f2")):
            assert await follows.follow(conn, config=world.local.config, follower=who,
                                        target=ada, now=world.local.clock.now(),
                                        uri=uri) == "requested"
    await world.run()
    assert world.all_posts() == []

    async with world.local.db.transaction() as conn:
        await follows.accept_request(conn, follower=alice, target=ada, now=world.local.clock.now())
        await follows.reject_request(conn, follower=bob, target=ada, now=world.local.clock.now())
    await world.run()
    [accept] = world.received("mastodon.test", ALICE_INBOX)
    assert accept["type"] == "Accept" and accept["object"]["id"] == "http://mastodon.test/f1"
    [reject] = world.received("gts.test", "/users/bob/inbox")
    assert reject["type"] == "Reject" and reject["actor"] == ada.uri
    assert reject["object"] == {"id": "http://gts.test/f2", "type": "Follow",
                                "actor": bob.uri, "object": ada.uri}

    async with world.local.db.transaction() as conn:
        await follows.remove_from_followers(conn, account=ada, follower=alice,
                                            now=world.local.clock.now())
    await world.run()
    removed = world.received("mastodon.test", ALICE_INBOX)[-1]
    assert removed["type"] == "Reject" and removed["object"]["id"] == "http://mastodon.test/f1"


async def test_block_and_unblock(world: World) -> None:
    alice = await world.remote("alice")
    async with world.local.db.transaction() as conn:
        await follows.block(conn, config=world.local.config, account=world.ada, target=alice,
                            now=world.local.clock.now())
    await world.run()
    [block] = world.received("mastodon.test", ALICE_INBOX)
    assert block["type"] == "Block" and block["object"] == alice.uri
    assert block["id"].startswith(f"{world.ada.uri}#blocks/")

    async with world.local.db.transaction() as conn:
        await follows.unblock(conn, account=world.ada, target=alice, now=world.local.clock.now())
    await world.run()
    undo = world.received("mastodon.test", ALICE_INBOX)[-1]
    assert undo["type"] == "Undo" and undo["id"] == f"{block['id']}/undo"
    assert undo["object"] == _bare(block)


async def test_a_profile_edit_is_one_update_per_server(world: World) -> None:
    for n in range(5):
        await world.remote(f"m{n}", "mastodon.test", follows_ada=True)
    await world.remote("g1", "gts.test", follows_ada=True)
    world.local.clock.advance(timedelta(seconds=5))
    await update_credentials(world.local.db, config=world.local.config, account_id=world.ada.id,
                             changes=ProfileChanges(display_name="Ada L.", note="Gardener"),
                             now=world.local.clock.now())
    await world.run()
    for host in ("mastodon.test", "gts.test"):
        [update] = world.received(host)
        assert len(world.posts(host)) == 1
        world.verify(world.posts(host)[0])
        assert update["type"] == "Update" and update["to"] == [PUBLIC]
        assert update["id"].startswith(f"{world.ada.uri}#updates/")
        person = update["object"]
        assert person["type"] == "Person" and person["id"] == world.ada.uri
        assert person["name"] == "Ada L." and "Gardener" in person["summary"]
        assert person["publicKey"]["publicKeyPem"] == world.ada.public_key_pem


async def test_actions_of_remote_accounts_are_not_sent_back_out(world: World) -> None:
    alice = await world.remote("alice", follows_ada=True)
    status = await world.post("mine")
    await world.run()
    received_before = len(world.all_posts())
    async with world.local.db.transaction() as conn:
        now = world.local.clock.now()
        await statuses.favourite(conn, account=alice, status_id=status.id, now=now,
                                 uri="http://mastodon.test/users/alice#likes/1")
        await statuses.reblog(conn, config=world.local.config, account=alice,
                              status_id=status.id, now=now)
        await follows.unfollow(conn, follower=alice, target=world.ada, now=now)
        await follows.block(conn, config=world.local.config, account=alice, target=world.ada,
                            now=now, uri="http://mastodon.test/blocks/1")
    await world.run()
    assert len(world.all_posts()) == received_before
