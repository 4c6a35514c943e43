"""POSTs stored at the same moment share one statement and one commit (inbox_store), and
every one of them is still answered and stored exactly as it would be alone."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest

from server.federation import queries as fed_q
from server.federation.activitypub import inbox_store, keyring
from server.federation.activitypub import queries as ap_q
from server.jobs import NOTIFY_CHANNEL
from server.jobs import queries as jobs_q
from tests.fakes.fediverse import FakeActor, FakeServer
from tests.federation.conftest import Local
from tests.federation.factories import make_member

INBOX = "http://ch.test/inbox"


def like(sender: FakeActor, activity_id: str | None = None) -> dict[str, Any]:
    return {"id": activity_id or f"{sender.server.base}/{uuid.uuid4()}", "type": "Like",
            "actor": sender.uri, "object": "http://ch.test/users/ada/statuses/1"}


async def known(local: Local, server: FakeServer, name: str) -> FakeActor:
    """An actor whose key verified here before (remembered: the one-statement path)."""
    sender = server.add_actor(name)
    assert (await server.deliver(sender, like(sender), to=INBOX))[0] == 202
    await local.verify_deferred()
    assert keyring.remembered(sender.key_id) is not None
    return sender


@pytest.fixture
async def alice(local: Local, mastodon: FakeServer) -> FakeActor:
    await make_member(local.db, local.config, local.clock, "ada")
    return await known(local, mastodon, "alice")


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of rows of each store_inbox_items statement sent."""
    sizes: list[int] = []
    real = ap_q.store_inbox_items

    async def counted(conn: Any, *, items: list[ap_q.ItemToStore], **kw: Any) -> Any:
        sizes.append(len(items))
        return await real(conn, items=items, **kw)

    monkeypatch.setattr(ap_q, "store_inbox_items", counted)
    return sizes


async def deliver_all(sender_and_activity: list[tuple[FakeActor, dict[str, Any]]]) -> list[int]:
    answers = await asyncio.gather(*(a.server.deliver(a, act, to=INBOX)
                                     for a, act in sender_and_activity))
    return [status for status, _ in answers]


async def stored_ids(local: Local) -> list[str]:
    return sorted(i.activity_id for i in await local.inbox_items())


async def jobs_for_items(local: Local) -> list[int]:
    async with local.db.acquire() as conn:
        queued = await jobs_q.list_jobs(conn, kind="federation.process_inbox_item")
    return sorted(j.payload["item_id"] for j in queued)


async def test_concurrent_posts_share_a_write_and_each_gets_its_row_and_job(
        local: Local, alice: FakeActor, batches: list[int]) -> None:
    activities = [like(alice) for _ in range(12)]
    assert await deliver_all([(alice, a) for a in activities]) == [202] * 12
    assert sum(batches) == 12 and max(batches) > 1  # some shared a statement
    items = await local.inbox_items()
    assert {a["id"] for a in activities} <= {i.activity_id for i in items}
    by_id = {i.activity_id: i for i in items}
    assert all(by_id[a["id"]].raw == a and by_id[a["id"]].signed_by == alice.key_id
               for a in activities)
    assert await jobs_for_items(local) == sorted(i.id for i in items)


async def test_duplicates_and_suspensions_are_decided_row_by_row(
        local: Local, alice: FakeActor, mastodon: FakeServer, batches: list[int]) -> None:
    bob = await known(local, mastodon, "bob")
    async with local.db.transaction() as conn:
        ref = await fed_q.get_actor_ref(conn, uri=bob.uri)
        assert ref is not None
        await fed_q.suspend_remote_account(conn, account_id=ref.id, now=local.clock.now())
    before = await stored_ids(local)
    twice = like(alice)
    from_bob, other = like(bob), like(alice)
    statuses = await deliver_all([(alice, twice), (alice, twice), (bob, from_bob),
                                  (alice, other), (alice, twice)])
    assert statuses == [202] * 5
    assert max(batches) > 1
    assert await stored_ids(local) == sorted([*before, twice["id"], other["id"]])
    assert len(await jobs_for_items(local)) == len(before) + 2


async def test_a_row_postgresql_refuses_fails_only_its_own_post(
        local: Local, alice: FakeActor, batches: list[int]) -> None:
    good = [like(alice) for _ in range(5)]
    bad = like(alice) | {"summary": "\ud800"}  # a lone surrogate: jsonb refuses it
    pairs = [(alice, a) for a in good[:3]] + [(alice, bad)] + [(alice, a) for a in good[3:]]
    # sent as the escape `\ud800`, which JSON allows and PostgreSQL does not
    assert "\\ud800" in json.dumps(bad)
    statuses = await deliver_all(pairs)
    assert statuses == [202, 202, 202, 400, 202, 202]
    assert max(batches) > 1
    ids = await stored_ids(local)
    assert all(a["id"] in ids for a in good) and bad["id"] not in ids
    assert len(await jobs_for_items(local)) == len(ids)


async def test_a_busy_stream_wakes_the_workers_after_its_last_commit(
        local: Local, alice: FakeActor) -> None:
    heard: list[str] = []
    async with local.db.acquire() as listener:
        def on_notify(*args: Any) -> None:
            heard.append(args[3])

        await listener.add_listener(NOTIFY_CHANNEL, on_notify)
        for _ in range(3):
            assert await deliver_all([(alice, like(alice)) for _ in range(6)]) == [202] * 6
        await inbox_store.writer_for(local.db, "federation.process_inbox_item").wakeups.flush()
        for _ in range(50):
            await asyncio.sleep(0.02)
            if len(heard) >= 2:
                break
        await listener.remove_listener(NOTIFY_CHANNEL, on_notify)
    # the first write wakes at once; the writes that follow within the interval share one
    # wake-up sent after they committed
    assert heard and set(heard) == {"federation.process_inbox_item"}
    assert len(heard) < 18


async def test_every_row_waiting_behind_a_write_goes_in_the_next_one(
        local: Local, alice: FakeActor, monkeypatch: pytest.MonkeyPatch) -> None:
    """At saturation more rows wait than the old batch of 64 held: taken all at once, the
    known senders' throughput does not hang on how long PostgreSQL takes per write."""
    sizes: list[int] = []
    first_write, release = asyncio.Event(), asyncio.Event()
    real = ap_q.store_inbox_items

    async def held(conn: Any, *, items: list[ap_q.ItemToStore], **kw: Any) -> Any:
        sizes.append(len(items))
        if not first_write.is_set():
            first_write.set()
            await release.wait()    # a slow write: everything that comes meanwhile waits
        return await real(conn, items=items, **kw)

    monkeypatch.setattr(ap_q, "store_inbox_items", held)
    writer = inbox_store.writer_for(local.db, "federation.process_inbox_item")
    activities = [like(alice) for _ in range(90)]  # the fakes' client sends 100 at once
    sending = asyncio.create_task(deliver_all([(alice, a) for a in activities]))
    await first_write.wait()
    for _ in range(500):
        if writer.waiting + sizes[0] >= len(activities):
            break
        await asyncio.sleep(0.02)
    release.set()
    assert await sending == [202] * 90
    assert len(sizes) == 2 and sum(sizes) == 90   # the held write, then all the rest
