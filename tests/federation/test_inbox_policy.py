"""The inbox policy table (server/federation/activitypub/inbox_routes.py), row by row: each
condition gets its answer, and nothing is stored unless the table says so.

Rows 11-13 are what a POST signed by an unknown key is answered when the inbox checks it
at once (`inbox_defer_unknown_keys` off), so this module's instance runs that way; the
deferred path (row 10, on by default) has its tests below and in test_inbox_deferred.py."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web

from server.clock import FrozenClock
from server.db import Database
from server.federation import queries as fed_q
from server.federation.activitypub import keyring
from server.federation.activitypub.signatures import sign_request
from server.federation.activitypub.unverified import queries as unverified_q
from server.federation.activitypub.unverified import service as unverified
from server.jobs import queries as jobs_q
from tests.governance.factories import found_coop, propose, vote
from tests.fakes.fediverse import FakeActor, FakeServer, Fediverse, never
from tests.federation.conftest import Local, start_local
from tests.federation.factories import make_member

INBOX = "http://ch.test/inbox"


def follow_of_ada(sender: FakeActor, **changes: Any) -> dict[str, Any]:
    activity = {"@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{sender.server.base}/{uuid.uuid4()}", "type": "Follow",
                "actor": sender.uri, "object": "http://ch.test/users/ada"}
    activity.update(changes)
    return activity


@pytest.fixture
async def local(aiohttp_server: Any, db: Database, clock: FrozenClock,
                fediverse: Fediverse) -> AsyncIterator[Local]:
    instance, session = await start_local(aiohttp_server, db, clock, fediverse,
                                          inbox_defer_unknown_keys=False)
    yield instance
    await session.close()


@pytest.fixture
async def deferring(aiohttp_server: Any, db: Database, clock: FrozenClock,
                    fediverse: Fediverse) -> AsyncIterator[Local]:
    instance, session = await start_local(aiohttp_server, db, clock, fediverse,
                                          domain="defer.test", base_url="http://defer.test")
    yield instance
    await session.close()


@pytest.fixture
async def alice(local: Local, mastodon: FakeServer) -> FakeActor:
    await make_member(local.db, local.config, local.clock, "ada")
    return mastodon.add_actor("alice")


async def process_jobs(local: Local) -> list[str]:
    async with local.db.acquire() as conn:
        return [j.kind for j in await jobs_q.list_jobs(conn, kind="federation.process_inbox_item")]


async def assert_nothing_stored(local: Local) -> None:
    assert await local.count("inbox_items") == 0
    async with local.db.acquire() as conn:  # nor kept for its key
        assert await conn.fetchval("SELECT count(*) FROM inbox_unverified") == 0
    assert await process_jobs(local) == []


# --- rows 1-6: refused before anyone's key is looked at ---------------------------------------

async def test_row1_inbox_of_an_unknown_account_is_not_found(local: Local,
                                                             alice: FakeActor) -> None:
    status, _ = await alice.server.deliver(alice, follow_of_ada(alice),
                                           to="http://ch.test/users/nobody/inbox")
    assert status == 404
    await assert_nothing_stored(local)


async def test_row2_a_body_over_the_limit_is_too_large(local: Local, alice: FakeActor) -> None:
    big = follow_of_ada(alice, padding="x" * (1024 * 1024))
    status, text = await alice.server.deliver(alice, big, to=INBOX)
    assert status == 413 and "at most" in json.loads(text)["error"]

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 65536
    async with alice.server.fediverse.session.post(
            INBOX, data=chunks(), headers={"Content-Type": "application/activity+json"}) as resp:
        assert resp.status == 413
    await assert_nothing_stored(local)


async def test_row3_a_body_that_is_not_activity_json_is_refused(local: Local,
                                                                alice: FakeActor) -> None:
    status, _ = await alice.server.deliver(alice, follow_of_ada(alice), to=INBOX,
                                           content_type="text/plain")
    assert status == 415
    await assert_nothing_stored(local)


@pytest.mark.parametrize("body", [
    b"{not json", b"[]", b'"a string"', b"",
    b'{"id": "a\\u0000b", "type": "Follow", "actor": "x"}',
    b'{"a": ' * 40 + b"1" + b"}" * 40,
    b"[" * 100_000 + b"]" * 100_000,
], ids=["broken", "array", "string", "empty", "nul", "nested-40", "nested-100k"])
async def test_row4_not_a_json_object_or_too_deeply_nested_is_a_bad_request(
        local: Local, alice: FakeActor, body: bytes) -> None:
    status, text = await alice.server.post_signed(alice, body, to=INBOX)
    assert status == 400 and "Not an activity" in json.loads(text)["error"]
    await assert_nothing_stored(local)


@pytest.mark.parametrize("changes", [
    {"id": None}, {"type": None}, {"actor": None}, {"id": 42}, {"type": ["Follow"]},
    {"actor": ["http://mastodon.test/users/alice"]},
], ids=["no-id", "no-type", "no-actor", "id-number", "type-list", "actor-list"])
async def test_row5_missing_or_non_string_fields_are_a_bad_request(
        local: Local, alice: FakeActor, changes: dict[str, Any]) -> None:
    activity = {k: v for k, v in follow_of_ada(alice, **changes).items() if v is not None}
    status, text = await alice.server.deliver(alice, activity, to=INBOX)
    assert status == 400 and "string id, type and actor" in json.loads(text)["error"]
    await assert_nothing_stored(local)


@pytest.mark.parametrize("changes", [
    {"id": "urn:uuid:1234"}, {"id": "http://gts.test/activities/1"},
    {"actor": "javascript:alert(1)"},
], ids=["urn-id", "id-on-another-host", "actor-not-http"])
async def test_row6_ids_that_are_not_urls_or_not_on_the_actors_host_are_a_bad_request(
        local: Local, alice: FakeActor, changes: dict[str, Any]) -> None:
    status, _ = await alice.server.deliver(alice, follow_of_ada(alice, **changes), to=INBOX)
    assert status == 400
    await assert_nothing_stored(local)


async def test_row6_plain_http_ids_are_refused_when_http_is_not_allowed(
        aiohttp_server: Any, db: Database, clock: FrozenClock, fediverse: Fediverse,
        mastodon: FakeServer) -> None:
    strict, session = await start_local(aiohttp_server, db, clock, fediverse,
                                        domain="strict.test", base_url="https://strict.test",
                                        allow_http=False)
    try:
        alice = mastodon.add_actor("alice")
        status, text = await mastodon.deliver(alice, follow_of_ada(alice),
                                              to="http://strict.test/inbox")
        assert status == 400 and "https URI" in json.loads(text)["error"]
        await assert_nothing_stored(strict)
    finally:
        await session.close()


# --- rows 7-8: accepted and dropped ---------------------------------------------------------

async def test_row7_activities_from_a_suspended_domain_are_dropped(local: Local,
                                                                   alice: FakeActor) -> None:
    # Domain policies come into force only by the members' decision.
    coop = await found_coop(local.db, local.config, local.clock, ["ada_founder"])
    proposal = await propose(local.db, local.clock, coop["ada_founder"], "domain_policy",
                             motion={"domain": "mastodon.test", "policy": "suspend", "reason": "spam",
                                     "clause": "§10.2"})
    await vote(local.db, local.clock, coop["ada_founder"], proposal, "agree")
    local.clock.set(proposal.closes_at + timedelta(seconds=1))
    await local.worker.run_until_idle()
    status, _ = await alice.server.deliver(alice, follow_of_ada(alice), to=INBOX)
    assert status == 202
    await assert_nothing_stored(local)
    assert alice.server.fetches_of("/users/alice") == 0


async def test_row7_activities_from_a_suspended_actor_are_dropped(local: Local,
                                                                  alice: FakeActor) -> None:
    assert (await alice.server.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    async with local.db.transaction() as conn:
        ref = await fed_q.get_actor_ref(conn, uri=alice.uri)
        assert ref is not None
        await fed_q.suspend_remote_account(conn, account_id=ref.id, now=local.clock.now())
    assert (await alice.server.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    assert len(await local.inbox_items()) == 1


async def test_row8_delete_of_an_actor_we_never_knew_is_a_no_op(local: Local,
                                                                mastodon: FakeServer) -> None:
    gone = mastodon.add_actor("gone")
    delete = {"id": f"{gone.uri}#delete", "type": "Delete", "actor": gone.uri,
              "object": gone.uri, "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    del mastodon.actors["gone"]  # its server answers 404 for it now, as for a deleted account
    status, _ = await mastodon.deliver(gone, delete, to=INBOX)
    assert status == 202
    status, _ = await mastodon.deliver(gone, delete, to=INBOX, sign=False)
    assert status == 202
    await assert_nothing_stored(local)
    assert mastodon.fetches_of("/users/gone") == 0


# --- rows 9-13: the signature ----------------------------------------------------------------

async def test_row9_an_unsigned_activity_is_unauthorized(local: Local, alice: FakeActor) -> None:
    status, text = await alice.server.deliver(alice, follow_of_ada(alice), to=INBOX, sign=False)
    assert status == 401 and "not signed" in json.loads(text)["error"]
    await assert_nothing_stored(local)


DEFER_INBOX = "http://defer.test/inbox"


async def post_for_answer(sender: FakeActor, activity: dict[str, Any]) -> tuple[int, Any]:
    """deliver, keeping the answer's headers."""
    body = json.dumps(activity).encode()
    headers = sign_request(method="POST", url=DEFER_INBOX, body=body, key_id=sender.key_id,
                           private_key=sender.private_key,
                           now=sender.server.fediverse.clock.now(),
                           extra_headers={"Content-Type": "application/activity+json"})
    async with sender.server.fediverse.session.post(DEFER_INBOX, data=body,
                                                    headers=headers) as resp:
        await resp.read()
        return resp.status, resp.headers


async def test_row10_an_unknown_key_is_kept_and_verified_later(deferring: Local,
                                                               mastodon: FakeServer) -> None:
    await make_member(deferring.db, deferring.config, deferring.clock, "ada")
    alice = mastodon.add_actor("alice")
    activity = follow_of_ada(alice, object="http://defer.test/users/ada")
    status, text = await mastodon.deliver(alice, activity, to=DEFER_INBOX)
    assert (status, text) == (202, "")
    assert mastodon.fetches_of("/users/alice") == 0  # not while the sender waited
    assert await deferring.count("inbox_items") == 0
    await deferring.worker.run_until_idle()
    assert mastodon.fetches_of("/users/alice") == 1
    [item] = await deferring.inbox_items()
    assert item.activity_id == activity["id"] and item.state == "processed"
    assert item.signed_by == alice.key_id


async def test_row10_a_key_off_the_actors_host_is_forbidden_at_once(deferring: Local,
                                                                    mastodon: FakeServer,
                                                                    gts: FakeServer) -> None:
    alice, bob = mastodon.add_actor("alice"), gts.add_actor("bob")
    status, text = await gts.deliver(bob, follow_of_ada(alice), to=DEFER_INBOX)
    assert status == 403 and "does not belong" in json.loads(text)["error"]
    await deferring.worker.run_until_idle()
    assert await deferring.count("inbox_items") == 0
    assert gts.fetches_of("/users/bob") == 0


async def test_row10_a_full_backlog_answers_503_with_retry_after(deferring: Local,
                                                                 mastodon: FakeServer,
                                                                 gts: FakeServer,
                                                                 monkeypatch: Any) -> None:
    monkeypatch.setattr(unverified, "MAX_PER_HOST", 2)
    senders = [mastodon.add_actor(f"new{n}") for n in range(3)]
    activities = [follow_of_ada(sender) for sender in senders]
    answers = [await post_for_answer(s, a) for s, a in zip(senders, activities, strict=True)]
    assert [status for status, _ in answers] == [202, 202, 503]
    assert answers[2][1]["Retry-After"] == str(unverified.RETRY_AFTER_SECONDS)
    # A redelivery of one that waits is not refused; another host still has room.
    assert (await post_for_answer(senders[0], activities[0]))[0] == 202
    bob = gts.add_actor("bob")
    assert (await post_for_answer(bob, follow_of_ada(bob)))[0] == 202
    monkeypatch.setattr(unverified, "MAX_TOTAL", 3)
    carol = gts.add_actor("carol")
    assert (await post_for_answer(carol, follow_of_ada(carol)))[0] == 503
    async with deferring.db.acquire() as conn:
        assert await unverified_q.count_unverified(conn) == 3


async def test_row11_a_signature_by_another_key_is_unauthorized(local: Local,
                                                               alice: FakeActor) -> None:
    impostor = alice.server.add_actor("impostor")
    status, _ = await alice.server.deliver(alice, follow_of_ada(alice), to=INBOX,
                                           private_key=impostor.private_key)
    assert status == 401
    await assert_nothing_stored(local)


async def test_row9_a_tampered_body_is_unauthorized(local: Local, alice: FakeActor) -> None:
    signed = json.dumps(follow_of_ada(alice)).encode()
    tampered = signed.replace(b"users/ada", b"users/bea")
    status, text = await alice.server.post_signed(alice, signed, to=INBOX, send_body=tampered)
    assert status == 401 and "does not match" in json.loads(text)["error"]
    await assert_nothing_stored(local)


@pytest.mark.parametrize("skew", [timedelta(hours=-2), timedelta(hours=2)],
                         ids=["stale", "future"])
async def test_row9_a_date_outside_the_window_is_unauthorized(local: Local, alice: FakeActor,
                                                              skew: timedelta) -> None:
    status, _ = await alice.server.deliver(alice, follow_of_ada(alice), to=INBOX,
                                           now=local.clock.now() + skew)
    assert status == 401
    await assert_nothing_stored(local)


async def test_row11_a_key_that_cannot_be_found_is_unauthorized(local: Local, alice: FakeActor,
                                                               mastodon: FakeServer) -> None:
    ghost = mastodon.add_actor("ghost")
    del mastodon.actors["ghost"]
    status, text = await mastodon.deliver(ghost, follow_of_ada(ghost), to=INBOX)
    assert status == 401 and "could not be fetched" in json.loads(text)["error"]
    await assert_nothing_stored(local)


async def test_row12_a_key_server_that_fails_gets_a_retry_later(local: Local, alice: FakeActor,
                                                               monkeypatch: Any) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=502)
    alice.server.custom["/users/alice"] = broken
    status, _ = await alice.server.deliver(alice, follow_of_ada(alice), to=INBOX)
    assert status == 503
    alice.server.custom["/users/alice"] = never
    monkeypatch.setattr(keyring, "FETCH_TIMEOUT_SECONDS", 0.2)
    status, _ = await alice.server.deliver(alice, follow_of_ada(alice), to=INBOX)
    assert status == 503
    await assert_nothing_stored(local)


async def test_row13_a_key_owned_by_an_actor_on_another_host_is_forbidden(
        local: Local, alice: FakeActor, gts: FakeServer) -> None:
    bob = gts.add_actor("bob")
    status, text = await gts.deliver(bob, follow_of_ada(alice), to=INBOX)
    assert status == 403 and "does not belong" in json.loads(text)["error"]
    await assert_nothing_stored(local)


async def test_row13_another_account_on_the_actors_own_server_cannot_speak_for_it(
        local: Local, alice: FakeActor) -> None:
    bob = alice.server.add_actor("bob")
    instance = alice.server.instance_actor
    for signer, key_id in ((bob, bob.key_id), (instance, "http://mastodon.test/actor#main-key")):
        status, _ = await alice.server.deliver(alice, follow_of_ada(alice), to=INBOX,
                                               key_id=key_id, private_key=signer.private_key)
        assert status == 403
    await assert_nothing_stored(local)


# --- rows 14-15: stored ----------------------------------------------------------------------

async def test_row14_a_redelivered_activity_is_accepted_once(local: Local,
                                                             alice: FakeActor) -> None:
    activity = follow_of_ada(alice)
    for _ in range(3):
        assert (await alice.server.deliver(alice, activity, to=INBOX))[0] == 202
    assert len(await local.inbox_items()) == 1
    assert await process_jobs(local) == ["federation.process_inbox_item"]


@pytest.mark.parametrize("inbox", [INBOX, "http://ch.test/users/ada/inbox",
                                   "http://ch.test/actor/inbox"])
async def test_row15_a_valid_activity_is_stored_with_its_job(local: Local, alice: FakeActor,
                                                             inbox: str) -> None:
    activity = follow_of_ada(alice)
    status, text = await alice.server.deliver(alice, activity, to=inbox)
    assert (status, text) == (202, "")
    [item] = await local.inbox_items()
    assert item.activity_id == activity["id"] and item.actor_uri == alice.uri
    assert item.type == "Follow" and item.state == "received" and item.raw == activity
    assert item.signed_by == alice.key_id
    assert (item.inbox_account_id is not None) == inbox.endswith("/users/ada/inbox")
    assert await process_jobs(local) == ["federation.process_inbox_item"]


async def test_row15_rfc9421_signatures_are_accepted_too(local: Local, alice: FakeActor) -> None:
    status, _ = await alice.server.deliver(alice, follow_of_ada(alice), to=INBOX, rfc9421=True)
    assert status == 202
    assert len(await local.inbox_items()) == 1


async def test_row15_a_gotosocial_key_id_is_followed_to_its_owner(local: Local,
                                                                  alice: FakeActor,
                                                                  gts: FakeServer) -> None:
    bob = gts.add_actor("bob")
    status, _ = await gts.deliver(bob, follow_of_ada(bob), to=INBOX)
    assert status == 202
    [item] = await local.inbox_items()
    assert item.signed_by == "http://gts.test/users/bob/main-key"
