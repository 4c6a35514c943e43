"""An unknown key's first GET goes unsigned; a server that wants a signature (401 or 403)
gets a signed one. A key that came in a restricted document (Mastodon 3.x in
authorized-fetch mode, GoToSocial's key stub) verifies the POST at once, and the full
profile is fetched, signed, by a job. Signers' collection totals are not fetched until
someone looks the account up. All over real HTTP on loopback (tests/fakes/fediverse.py)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aiohttp import web

from server.accounts import queries as accounts_q
from server.errors import SignatureError
from server.federation import queries as fed_q
from server.federation.activitypub import keyring, remote_actors
from tests.fakes.fediverse import AP_JSON, FakeActor, FakeServer
from tests.federation.conftest import Local
from tests.federation.factories import make_member

INBOX = "http://ch.test/inbox"
COUNTS_JOB = "federation.fetch_actor_counts"


def follow_of_ada(sender: FakeActor) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{sender.server.base}/{uuid.uuid4()}", "type": "Follow",
            "actor": sender.uri, "object": "http://ch.test/users/ada"}


def gets_of(server: FakeServer, path: str) -> list[bool]:
    """For each GET of `path`, in order: whether it was signed."""
    return [any(k.lower() == "signature" for k in headers)
            for method, p, headers in server.requests if method == "GET" and p == path]


def demanding_signatures(document: Any) -> Any:
    """A handler like an authorized-fetch server's: 401 unless the GET is signed."""
    async def handler(request: web.Request) -> web.Response:
        if "Signature" not in request.headers:
            return web.json_response({"error": "Request not signed"}, status=401)
        return web.Response(body=json.dumps(document()).encode(), content_type=AP_JSON)
    return handler


def restricted_when_unsigned(actor: FakeActor) -> Any:
    """Mastodon 3.x in authorized-fetch mode: an unsigned GET gets only id, type,
    preferredUsername, inbox, publicKey and endpoints; a signed one the whole actor."""
    async def handler(request: web.Request) -> web.Response:
        doc = actor.document()
        if "Signature" not in request.headers:
            doc = {k: v for k, v in doc.items() if k in (
                "@context", "id", "type", "preferredUsername", "inbox", "publicKey",
                "endpoints")}
        return web.Response(body=json.dumps(doc).encode(), content_type=AP_JSON)
    return handler


async def jobs_of(local: Local, kind: str) -> list[dict[str, Any]]:
    async with local.db.acquire() as conn:
        rows = await conn.fetch("SELECT payload FROM jobs WHERE kind = $1", kind)
    return [json.loads(r["payload"]) if isinstance(r["payload"], str) else dict(r["payload"])
            for r in rows]


async def test_a_public_actor_costs_one_unsigned_get_and_no_counts(
        local: Local, mastodon: FakeServer) -> None:
    await make_member(local.db, local.config, local.clock, "ada")
    alice = mastodon.add_actor("alice", display_name="Alice A.")
    assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    await local.verify_deferred()
    assert gets_of(mastodon, "/users/alice") == [False]
    [item] = await local.inbox_items()
    assert item.signed_by == alice.key_id
    assert await jobs_of(local, COUNTS_JOB) == []
    assert mastodon.fetches_of("/users/alice/followers") == 0


async def test_a_server_that_wants_signatures_gets_a_signed_get(
        local: Local, mastodon: FakeServer) -> None:
    await make_member(local.db, local.config, local.clock, "ada")
    alice = mastodon.add_actor("alice", display_name="Alice A.")
    mastodon.custom["/users/alice"] = demanding_signatures(alice.document)
    assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    await local.verify_deferred()
    assert gets_of(mastodon, "/users/alice") == [False, True]
    [item] = await local.inbox_items()
    assert item.signed_by == alice.key_id
    async with local.db.acquire() as conn:
        account = await accounts_q.get_account_by_uri(conn, uri=alice.uri)
    assert account is not None and account.display_name == "Alice A."
    assert await jobs_of(local, COUNTS_JOB) == []  # a full document: nothing to complete
    # the host asked once: its next new actor is asked signed at once
    bea = mastodon.add_actor("bea")
    mastodon.custom["/users/bea"] = demanding_signatures(bea.document)
    assert (await mastodon.deliver(bea, follow_of_ada(bea), to=INBOX))[0] == 202
    await local.verify_deferred()
    assert gets_of(mastodon, "/users/bea") == [True]
    assert len(await local.inbox_items()) == 2


async def test_a_403_also_gets_a_signed_get_but_a_404_does_not(
        local: Local, mastodon: FakeServer) -> None:
    ghost = mastodon.add_actor("ghost")
    del mastodon.actors["ghost"]
    with pytest.raises(SignatureError, match="not found"):
        await keyring.key_for(local.ctx, ghost.key_id)
    assert gets_of(mastodon, "/users/ghost") == [False]  # a 404 is an answer: not retried
    alice = mastodon.add_actor("alice")

    async def forbidden_unsigned(request: web.Request) -> web.Response:
        if "Signature" not in request.headers:
            return web.Response(status=403)
        return web.Response(body=json.dumps(alice.document()).encode(), content_type=AP_JSON)

    mastodon.custom["/users/alice"] = forbidden_unsigned
    key = await keyring.key_for(local.ctx, alice.key_id)
    assert key.owner_uri == alice.uri and gets_of(mastodon, "/users/alice") == [False, True]


async def test_a_restricted_document_verifies_now_and_the_profile_follows(
        local: Local, mastodon: FakeServer) -> None:
    await make_member(local.db, local.config, local.clock, "ada")
    alice = mastodon.add_actor("alice", display_name="Alice A.")
    mastodon.custom["/users/alice"] = restricted_when_unsigned(alice)
    assert (await mastodon.deliver(alice, follow_of_ada(alice), to=INBOX))[0] == 202
    await local.verify_deferred()
    [item] = await local.inbox_items()
    assert item.signed_by == alice.key_id  # the key alone was enough for the POST
    async with local.db.acquire() as conn:
        thin = await accounts_q.get_account_by_uri(conn, uri=alice.uri)
    assert thin is not None and thin.followers_url is None and thin.display_name == ""
    assert [j.get("refetch") for j in await jobs_of(local, COUNTS_JOB)] == [True]
    await local.worker.run_until_idle()
    assert gets_of(mastodon, "/users/alice") == [False, True]
    async with local.db.acquire() as conn:
        full = await accounts_q.get_account_by_uri(conn, uri=alice.uri)
        counts = await fed_q.get_remote_counts(conn, account_id=thin.id)
    assert full is not None and full.id == thin.id and full.display_name == "Alice A."
    assert full.followers_url == f"{alice.uri}/followers" and full.outbox_url
    assert full.avatar_url and full.public_key_id == alice.key_id
    # the full document's counts job ran after it
    assert counts == {"remote_followers_count": 3, "remote_following_count": 5,
                      "remote_statuses_count": 42}


async def test_a_gotosocial_key_stub_leads_to_the_signed_actor(
        local: Local, gts: FakeServer) -> None:
    """GoToSocial serves an actor-typed stub (id: the actor, no inbox) at its key URL to
    anyone, and the actor itself only to signed GETs."""
    bob = gts.add_actor("bob", display_name="Bob B.")

    async def stub(request: web.Request) -> web.Response:
        return web.Response(body=json.dumps({
            "@context": ["https://w3id.org/security/v1", "https://www.w3.org/ns/activitystreams"],
            "id": bob.uri, "preferredUsername": "bob", "type": "Person",
            "publicKey": {"id": bob.key_id, "owner": bob.uri, "publicKeyPem": bob.keys[1]},
        }).encode(), content_type=AP_JSON)

    gts.custom["/users/bob/main-key"] = stub
    gts.custom["/users/bob"] = demanding_signatures(bob.document)
    key = await keyring.key_for(local.ctx, bob.key_id)
    assert key.owner_uri == bob.uri and key.fresh
    assert gets_of(gts, "/users/bob/main-key") == [False]
    assert gets_of(gts, "/users/bob") == [False, True]
    async with local.db.acquire() as conn:
        account = await accounts_q.get_account_by_uri(conn, uri=bob.uri)
    assert account is not None and account.display_name == "Bob B."
    assert account.public_key_id == bob.key_id


async def test_looking_up_a_signer_fetches_its_counts(local: Local,
                                                      mastodon: FakeServer) -> None:
    alice = mastodon.add_actor("alice")
    await keyring.key_for(local.ctx, alice.key_id)
    assert await jobs_of(local, COUNTS_JOB) == []
    account = await remote_actors.resolve_acct(local.ctx, "alice@mastodon.test")
    assert mastodon.fetches_of("/users/alice") == 1  # fresh: no second fetch
    assert len(await jobs_of(local, COUNTS_JOB)) == 1
    await local.worker.run_until_idle()
    async with local.db.acquire() as conn:
        counts = await fed_q.get_remote_counts(conn, account_id=account.id)
    assert counts["remote_statuses_count"] == 42
    await remote_actors.resolve_acct(local.ctx, "alice@mastodon.test")
    assert await jobs_of(local, COUNTS_JOB) == []  # read once; not asked again
