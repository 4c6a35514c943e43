"""The inbox's one-round-trip path for senders whose key verified before: it must answer and
store exactly what the long way would, whatever this process remembers."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from server.federation import queries as fed_q
from server.federation.activitypub import inbox_routes, keyring
from server.federation.keys import generate_rsa_keypair
from server.jobs import NOTIFY_CHANNEL
from server.jobs import queries as jobs_q
from tests.fakes.fediverse import FakeActor, FakeServer
from tests.federation.conftest import Local
from tests.federation.factories import make_member

INBOX = "http://ch.test/inbox"


def like(sender: FakeActor) -> dict[str, Any]:
    return {"id": f"{sender.server.base}/{uuid.uuid4()}", "type": "Like", "actor": sender.uri,
            "object": "http://ch.test/users/ada/statuses/1"}


@pytest.fixture
async def alice(local: Local, mastodon: FakeServer) -> FakeActor:
    await make_member(local.db, local.config, local.clock, "ada")
    sender = mastodon.add_actor("alice")
    assert (await mastodon.deliver(sender, like(sender), to=INBOX))[0] == 202
    await local.verify_deferred()  # the first POST of an unknown key is verified by a job
    assert keyring.remembered(sender.key_id) is not None
    return sender


async def process_jobs(local: Local) -> int:
    async with local.db.acquire() as conn:
        return len(await jobs_q.list_jobs(conn, kind="federation.process_inbox_item"))


async def test_a_remembered_key_stores_the_item_its_job_and_wakes_the_workers(
        local: Local, alice: FakeActor, monkeypatch: pytest.MonkeyPatch) -> None:
    async def not_the_long_way(*_: Any) -> None:
        raise AssertionError("a remembered key should need no separate policy lookup")
    monkeypatch.setattr(inbox_routes, "_dropped_by_policy", not_the_long_way)
    woken: list[str] = []

    def heard(*args: Any) -> None:
        woken.append(args[3])

    async with local.db.acquire() as listener:
        await listener.add_listener(NOTIFY_CHANNEL, heard)
        activity = like(alice)
        assert (await alice.server.deliver(alice, activity, to=INBOX))[0] == 202
        for _ in range(50):
            if woken:
                break
            await asyncio.sleep(0.02)
        await listener.remove_listener(NOTIFY_CHANNEL, heard)
    items = await local.inbox_items()
    assert [i.activity_id for i in items][0] == activity["id"]
    assert items[0].signed_by == alice.key_id and items[0].raw == activity
    async with local.db.acquire() as conn:
        queued = await jobs_q.list_jobs(conn, kind="federation.process_inbox_item")
    assert sorted(j.payload["item_id"] for j in queued) == sorted(i.id for i in items)
    assert woken == ["federation.process_inbox_item"]
    assert alice.server.fetches_of("/users/alice") == 1


async def test_a_redelivery_through_the_fast_path_is_stored_once(local: Local,
                                                                   alice: FakeActor) -> None:
    activity = like(alice)
    for _ in range(2):
        assert (await alice.server.deliver(alice, activity, to=INBOX))[0] == 202
    assert await local.count("inbox_items") == 2  # the fixture's and this one
    assert await process_jobs(local) == 2


async def test_a_key_replaced_in_the_database_is_not_trusted_from_memory(
        local: Local, alice: FakeActor) -> None:
    # Another process refetched alice and stored a new key: the remembered one still
    # verifies her old signatures, but the database no longer gives it to her.
    _, other_pem = generate_rsa_keypair()
    async with local.db.acquire() as conn:
        await conn.execute("UPDATE accounts SET public_key_pem = $1 WHERE uri = $2",
                           other_pem, alice.uri)
    status, _ = await alice.server.deliver(alice, like(alice), to=INBOX)
    # the long way: the stored key fails, a refetch within the interval is not allowed
    assert status == 401
    assert keyring.remembered(alice.key_id) is None
    assert await local.count("inbox_items") == 1


async def test_a_suspended_actor_with_a_remembered_key_is_dropped(local: Local,
                                                                  alice: FakeActor) -> None:
    async with local.db.transaction() as conn:
        ref = await fed_q.get_actor_ref(conn, uri=alice.uri)
        assert ref is not None
        await fed_q.suspend_remote_account(conn, account_id=ref.id, now=local.clock.now())
    assert (await alice.server.deliver(alice, like(alice), to=INBOX))[0] == 202
    assert await local.count("inbox_items") == 1
    assert await process_jobs(local) == 1


async def test_a_remembered_key_does_not_let_another_actor_speak(
        local: Local, alice: FakeActor, mastodon: FakeServer) -> None:
    bob = mastodon.add_actor("bob")
    forged = like(bob)
    status, _ = await mastodon.deliver(alice, forged, to=INBOX)  # alice's key, bob's activity
    assert status == 403
    assert await local.count("inbox_items") == 1


async def test_a_bad_signature_under_a_remembered_key_id_is_refused(
        local: Local, alice: FakeActor, mastodon: FakeServer) -> None:
    mallory = mastodon.add_actor("mallory")
    status, _ = await mastodon.deliver(alice, like(alice), to=INBOX,
                                       private_key=mallory.private_key)
    assert status == 401
    assert await local.count("inbox_items") == 1
