"""POSTs signed by a key the database does not have (inbox policy row 10): answered 202 at
once, kept with their parsed signature, and verified by the `federation.verify_inbox_item`
job, which stores them for processing or drops them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from aiohttp import web

from server.federation.activitypub.unverified import queries as unverified_q
from server.federation.activitypub.unverified import service as unverified
from server.jobs import queries as jobs_q
from server.jobs.registry import job_handlers
from server.jobs.worker import Worker
from tests.fakes.fediverse import FakeActor, FakeServer
from tests.federation.conftest import Local
from tests.federation.factories import make_member
from tests.governance.factories import found_coop, propose, vote

INBOX = "http://ch.test/inbox"


def follow_of_ada(sender: FakeActor) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{sender.server.base}/{uuid.uuid4()}", "type": "Follow",
            "actor": sender.uri, "object": "http://ch.test/users/ada"}


async def waiting(local: Local) -> int:
    async with local.db.acquire() as conn:
        return await unverified_q.count_unverified(conn)


async def follows(local: Local) -> int:
    async with local.db.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM follows"))


async def test_a_valid_post_is_processed_after_the_key_is_fetched(local: Local,
                                                                  mastodon: FakeServer) -> None:
    await make_member(local.db, local.config, local.clock, "ada")
    alice = mastodon.add_actor("alice")
    assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    assert await waiting(local) == 1 and await follows(local) == 0
    await local.worker.run_until_idle()
    assert await waiting(local) == 0
    [item] = await local.inbox_items()
    assert item.state == "processed" and item.signed_by == alice.key_id
    assert await follows(local) == 1
    # The key is stored now: the next POST is verified while the sender waits.
    assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    assert await waiting(local) == 0 and len(await local.inbox_items()) == 2


async def test_a_forged_post_is_dropped_and_never_processed(local: Local,
                                                            mastodon: FakeServer) -> None:
    await make_member(local.db, local.config, local.clock, "ada")
    alice, mallory = mastodon.add_actor("alice"), mastodon.add_actor("mallory")
    dropped = unverified.DROPPED["bad_signature"]
    status, _ = await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX,
                                       private_key=mallory.private_key)
    assert status == 202
    await local.worker.run_until_idle()
    assert await waiting(local) == 0
    assert await local.inbox_items() == [] and await follows(local) == 0
    assert unverified.DROPPED["bad_signature"] == dropped + 1
    async with local.db.acquire() as conn:
        assert await jobs_q.list_jobs(conn, kind="federation.process_inbox_item") == []


async def test_a_key_server_that_is_down_is_retried_then_given_up(local: Local,
                                                                  mastodon: FakeServer) -> None:
    alice = mastodon.add_actor("alice")

    async def down(request: web.Request) -> web.Response:
        return web.Response(status=503)
    mastodon.custom["/users/alice"] = down
    assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    await local.worker.run_until_idle()
    async with local.db.acquire() as conn:
        [job] = await jobs_q.list_jobs(conn, kind=unverified.JOB_KIND)
    assert job.attempts == 1 and job.state == "ready"
    assert await waiting(local) == 1
    local.clock.advance(unverified.GIVE_UP_AFTER + timedelta(minutes=1))
    await local.worker.run_until_idle()
    assert await waiting(local) == 0 and await local.inbox_items() == []
    async with local.db.acquire() as conn:
        assert await jobs_q.list_jobs(conn, kind=unverified.JOB_KIND) == []


async def test_a_key_server_back_in_time_gets_the_post_through(local: Local,
                                                               mastodon: FakeServer) -> None:
    await make_member(local.db, local.config, local.clock, "ada")
    alice = mastodon.add_actor("alice")

    async def down(request: web.Request) -> web.Response:
        return web.Response(status=502)
    mastodon.custom["/users/alice"] = down
    assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    await local.worker.run_until_idle()
    del mastodon.custom["/users/alice"]
    local.clock.advance(timedelta(minutes=2))
    await local.worker.run_until_idle()
    [item] = await local.inbox_items()
    assert item.state == "processed" and await follows(local) == 1


async def test_a_sender_suspended_while_waiting_is_dropped(local: Local,
                                                           mastodon: FakeServer) -> None:
    alice = mastodon.add_actor("alice")
    assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    coop = await found_coop(local.db, local.config, local.clock, ["ada_founder"])
    proposal = await propose(local.db, local.clock, coop["ada_founder"], "domain_policy",
                             motion={"domain": "mastodon.test", "policy": "suspend",
                                     "reason": "spam", "clause": "§10.2"})
    await vote(local.db, local.clock, coop["ada_founder"], proposal, "agree")
    local.clock.set(proposal.closes_at + timedelta(seconds=1))
    # the decision is enacted first, then the waiting POST is verified
    await Worker(local.ctx, job_handlers(), skip=[unverified.JOB_KIND]).run_until_idle()
    assert await waiting(local) == 1
    await local.worker.run_until_idle()
    assert await waiting(local) == 0 and await local.inbox_items() == []


async def test_rows_left_behind_by_a_lost_job_stop_counting_and_are_purged(
        local: Local, mastodon: FakeServer, monkeypatch: Any) -> None:
    monkeypatch.setattr(unverified, "MAX_PER_HOST", 1)
    first, second, third = (mastodon.add_actor(name) for name in ("one", "two", "three"))
    assert (await mastodon.deliver(first, follow_of_ada(first), to=INBOX))[0] == 202
    async with local.db.acquire() as conn:  # as if its job had failed for good
        await conn.execute("DELETE FROM jobs WHERE kind = $1", unverified.JOB_KIND)
    assert (await mastodon.deliver(second, follow_of_ada(second), to=INBOX))[0] == 503
    local.clock.advance(unverified.STALE_AFTER + timedelta(minutes=1))
    assert (await mastodon.deliver(third, follow_of_ada(third), to=INBOX))[0] == 202
    assert await waiting(local) == 1  # the third; the first was purged


async def test_one_host_holds_few_worker_slots(local: Local, mastodon: FakeServer,
                                              gts: FakeServer) -> None:
    """Ten new actors on one host: their verify jobs queue in LANES_PER_HOST lanes, so a
    slow key server cannot take every worker slot, and another host's job is claimed too."""
    for n in range(10):
        sender = mastodon.add_actor(f"new{n}")
        assert (await mastodon.deliver(sender, follow_of_ada(sender), to=INBOX))[0] == 202
    bob = gts.add_actor("bob")
    assert (await gts.deliver(bob, follow_of_ada(bob), to=INBOX))[0] == 202
    now = local.clock.now()
    async with local.db.acquire() as conn:
        claimed = await jobs_q.claim_jobs(conn, limit=32, now=now,
                                          locked_until=now + timedelta(minutes=5),
                                          only=[unverified.JOB_KIND])
        items = [await unverified_q.get_unverified(conn, item_id=job.payload["item_id"])
                 for job in claimed]
    hosts = [item.host for item in items if item is not None]
    assert hosts.count("gts.test") == 1
    assert 1 <= hosts.count("mastodon.test") <= unverified.LANES_PER_HOST
