"""What verifying a new actor's POST costs the job side: the kept POST and its key's owner
read together, the fetched actor stored in one statement when it is new, the hand-over to
the inbox and the deletion of the kept row in one more. The cases the short way does not
cover (a name already taken, a job run twice) still end as before."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import asyncpg

from server.accounts import queries as accounts_q
from server.federation.activitypub import instance_actor, keyring
from server.federation.activitypub.unverified import service as unverified
from tests.fakes.fediverse import FakeActor, FakeServer
from tests.federation.conftest import Local
from tests.federation.factories import make_member
from tests.helpers import make_remote_account

INBOX = "http://ch.test/inbox"


def follow_of_ada(sender: FakeActor) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{sender.server.base}/{uuid.uuid4()}", "type": "Follow",
            "actor": sender.uri, "object": "http://ch.test/users/ada"}


@contextmanager
def counting_statements(monkeypatch: Any) -> Iterator[list[str]]:
    """The statements sent with arguments (every named query) on any connection meanwhile."""
    sent: list[str] = []
    original = asyncpg.connection.Connection._execute

    async def counted(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(query)
        return await original(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.connection.Connection, "_execute", counted)
    yield sent
    monkeypatch.undo()


async def kept_item_id(local: Local) -> int:
    async with local.db.acquire() as conn:
        return int(await conn.fetchval("SELECT id FROM inbox_unverified"))


async def test_a_new_actor_costs_the_job_three_statements(local: Local, mastodon: FakeServer,
                                                          monkeypatch: Any) -> None:
    await make_member(local.db, local.config, local.clock, "ada")
    alice = mastodon.add_actor("alice", display_name="Alice A.")
    assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    item_id = await kept_item_id(local)
    await instance_actor.get_instance_actor(local.db, local.clock)  # loaded once per process
    with counting_statements(monkeypatch) as sent:
        await unverified.verify_inbox_item(local.ctx, {"item_id": item_id})
    # read the kept POST and its key's owner; store the new actor; hand over and delete
    assert len(sent) == 3, sent
    assert mastodon.fetches_of("/users/alice") == 1
    async with local.db.acquire() as conn:
        account = await accounts_q.get_account_by_uri(conn, uri=alice.uri)
        counts_jobs = await conn.fetchval(
            "SELECT count(*) FROM jobs WHERE kind = 'federation.fetch_actor_counts' "
            "AND (payload->>'account_id')::bigint = $1", account.id)
    assert account is not None and account.display_name == "Alice A."
    assert account.public_key_id == alice.key_id and account.fetched_at == local.clock.now()
    # no totals fetched for a signer: they come when someone looks the account up
    assert counts_jobs == 0
    [(_, _, headers)] = [r for r in mastodon.requests if r[1] == "/users/alice"]
    assert "Signature" not in headers  # Mastodon serves its actors unsigned by default
    [item] = await local.inbox_items()
    assert item.signed_by == alice.key_id and item.state == "received"
    assert await local.count("inbox_items") == 1
    await local.worker.run_until_idle()
    [item] = await local.inbox_items()
    assert item.state == "processed"


async def test_a_second_post_of_the_actor_needs_no_fetch(local: Local, mastodon: FakeServer,
                                                         monkeypatch: Any) -> None:
    """Both POSTs arrive before the first job runs: the second job finds the key the first
    stored, in the statement that reads its POST."""
    await make_member(local.db, local.config, local.clock, "ada")
    alice = mastodon.add_actor("alice")
    for _ in range(2):
        assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    await local.verify_deferred()
    assert mastodon.fetches_of("/users/alice") == 1
    assert len(await local.inbox_items()) == 2


async def test_an_actor_whose_name_is_taken_is_updated_the_long_way(
        local: Local, mastodon: FakeServer) -> None:
    """A stored account with the same name on that host but another uri (here https where
    the server now answers http): not new, so store_actor decides, as before."""
    await make_member(local.db, local.config, local.clock, "ada")
    old = await make_remote_account(local.db, local.clock, "alice", "mastodon.test")
    alice = mastodon.add_actor("alice")
    assert old.uri != alice.uri
    accounts = await local.count("accounts")
    assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    await local.verify_deferred()
    assert await local.count("accounts") == accounts
    async with local.db.acquire() as conn:
        account = await accounts_q.get_account(conn, account_id=old.id)
    assert account is not None and account.uri == alice.uri
    [item] = await local.inbox_items()
    assert item.signed_by == alice.key_id


async def test_a_job_run_twice_stores_the_post_once(local: Local, mastodon: FakeServer) -> None:
    await make_member(local.db, local.config, local.clock, "ada")
    alice = mastodon.add_actor("alice")
    assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    item_id = await kept_item_id(local)
    for _ in range(2):
        await unverified.verify_inbox_item(local.ctx, {"item_id": item_id})
    assert len(await local.inbox_items()) == 1
    assert await local.count("jobs") >= 1
    async with local.db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM inbox_unverified") == 0
        assert await conn.fetchval(
            "SELECT count(*) FROM jobs WHERE kind = 'federation.process_inbox_item'") == 1


async def test_an_unknown_key_costs_the_post_one_statement(
        local: Local, mastodon: FakeServer, monkeypatch: Any) -> None:
    await make_member(local.db, local.config, local.clock, "ada")
    alice = mastodon.add_actor("alice")
    warm = mastodon.add_actor("warm")  # the first POST prepares the statements
    assert (await mastodon.deliver(warm, follow_of_ada(warm), to=INBOX))[0] == 202
    with counting_statements(monkeypatch) as sent:
        assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    # the sender's policy state, the key looked up and the POST kept with its job, together
    # (a wake-up of the job workers may follow on its own, when the warm-up's came <20 ms
    # before: jobs.WakeUps; it is not the POST's)
    sent = [s for s in sent if "Wake idle workers" not in s]
    assert len(sent) == 1, sent
    async with local.db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM inbox_unverified") == 2


async def test_a_stored_key_this_process_does_not_remember_is_checked_at_once(
        local: Local, mastodon: FakeServer) -> None:
    """After a restart (or in another process) the database has the key but the process's
    memory does not: the deferral's statement finds it, keeps nothing, and the POST is
    verified and stored while the sender waits."""
    await make_member(local.db, local.config, local.clock, "ada")
    alice = mastodon.add_actor("alice")
    assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    await local.verify_deferred()
    keyring.forget(alice.key_id)
    assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    async with local.db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM inbox_unverified") == 0
    assert len(await local.inbox_items()) == 2
    assert mastodon.fetches_of("/users/alice") == 1
    # a forged POST under that stored key is refused as without deferral
    keyring.forget(alice.key_id)
    mallory = mastodon.add_actor("mallory")
    status, _ = await mastodon.post_signed(alice, json.dumps(follow_of_ada(alice)).encode(),
                                           to=INBOX, private_key=mallory.private_key)
    assert status == 401 and len(await local.inbox_items()) == 2
    # a rotated key is fetched again at once, in the POST
    alice.rotate_key()
    keyring.forget(alice.key_id)
    local.clock.advance(keyring.REFRESH_INTERVAL + timedelta(seconds=1))
    assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    assert mastodon.fetches_of("/users/alice") == 2
    assert len(await local.inbox_items()) == 3
