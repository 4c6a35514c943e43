"""Remote actors: found by WebFinger, stored from their documents, refreshed when stale, and
believed only about their own host."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.accounts import queries as accounts_q
from server.errors import NotFoundError
from server.federation import queries as fed_q
from server.federation.activitypub import remote_actors
from server.federation.activitypub.fetch import FetchInvalidError, FetchNotFoundError
from server.federation.activitypub.remote_actors import parse_actor
from tests.fakes.fediverse import FakeServer
from tests.federation.conftest import Local
from tests.federation.factories import make_member


async def test_resolving_an_acct_finds_the_actor_by_webfinger_and_stores_it(
        local: Local, mastodon: FakeServer) -> None:
    alice = mastodon.add_actor("alice", display_name="Alice", locked=True,
                               fields=[{"name": "Site", "value": "<a href=\"https://a.example\" "
                                        "onclick=\"x()\">a.example</a>"}],
                               also_known_as=["http://gts.test/users/alice"])
    account = await remote_actors.resolve_acct(local.ctx, "@alice@mastodon.test")
    assert mastodon.fetches_of("/.well-known/webfinger") == 1
    assert account.uri == alice.uri and account.acct() == "alice@mastodon.test"
    assert account.domain == "mastodon.test" and account.display_name == "Alice"
    assert account.inbox_url == alice.inbox
    assert account.shared_inbox_url == "http://mastodon.test/inbox"
    assert account.followers_url == f"{alice.uri}/followers"
    assert account.featured_url == f"{alice.uri}/collections/featured"
    assert account.public_key_id == alice.key_id and "BEGIN PUBLIC KEY" in account.public_key_pem
    assert account.locked is True and account.discoverable is True and account.indexable is False
    assert account.avatar_url == "http://mastodon.test/system/accounts/avatars/alice.png"
    assert account.header_url == "http://mastodon.test/system/accounts/headers/alice.jpg"
    assert account.also_known_as == ["http://gts.test/users/alice"]
    [site] = account.fields
    assert site["name"] == "Site" and "onclick" not in site["value"]
    assert "a.example</a>" in site["value"]
    assert account.note == "<p>Testing things.</p>"


async def test_collection_totals_are_read_by_a_job(local: Local, mastodon: FakeServer) -> None:
    mastodon.add_actor("alice")
    account = await remote_actors.resolve_acct(local.ctx, "alice@mastodon.test")
    await local.worker.run_until_idle()
    async with local.db.acquire() as conn:
        counts = await fed_q.get_remote_counts(conn, account_id=account.id)
    assert counts == {"remote_followers_count": 3, "remote_following_count": 5,
                      "remote_statuses_count": 42}


async def test_a_fresh_account_is_not_fetched_again_but_a_stale_one_is(
        local: Local, mastodon: FakeServer) -> None:
    alice = mastodon.add_actor("alice")
    await remote_actors.resolve_acct(local.ctx, "alice@mastodon.test")
    await remote_actors.get_or_fetch_actor(local.ctx, alice.uri)
    await remote_actors.resolve_acct(local.ctx, "alice@mastodon.test")
    assert mastodon.fetches_of("/users/alice") == 1
    alice.display_name = "Alice Renamed"
    local.clock.advance(timedelta(days=1, minutes=1))
    account = await remote_actors.get_or_fetch_actor(local.ctx, alice.uri)
    assert mastodon.fetches_of("/users/alice") == 2
    assert account.display_name == "Alice Renamed"


async def test_a_stale_copy_is_kept_when_its_server_is_unreachable(
        local: Local, mastodon: FakeServer) -> None:
    alice = mastodon.add_actor("alice")
    await remote_actors.get_or_fetch_actor(local.ctx, alice.uri)
    del mastodon.actors["alice"]
    local.clock.advance(timedelta(days=2))
    account = await remote_actors.get_or_fetch_actor(local.ctx, alice.uri)
    assert account.uri == alice.uri
    with pytest.raises(FetchNotFoundError):
        await remote_actors.get_or_fetch_actor(local.ctx, alice.uri, refresh=True)


async def test_unknown_accounts_are_not_found(local: Local, mastodon: FakeServer) -> None:
    with pytest.raises(FetchNotFoundError):
        await remote_actors.resolve_acct(local.ctx, "ghost@mastodon.test")
    with pytest.raises(NotFoundError):
        await remote_actors.resolve_acct(local.ctx, "ghost@ch.test")
    with pytest.raises(NotFoundError):
        await remote_actors.resolve_acct(local.ctx, "not-an-address")


async def test_resolving_a_local_acct_needs_no_network(local: Local, mastodon: FakeServer) -> None:
    await make_member(local.db, local.config, local.clock, "ada")
    account = await remote_actors.resolve_acct(local.ctx, "ada@ch.test")
    assert account.local and account.username == "ada"
    assert mastodon.requests == []


async def test_gotosocial_style_key_documents_lead_to_their_owner(local: Local,
                                                                  gts: FakeServer) -> None:
    from server.federation.activitypub import keyring

    bob = gts.add_actor("bob")
    key = await keyring.key_for(local.ctx, bob.key_id)
    assert key.owner_uri == bob.uri and key.fresh
    assert gts.fetches_of("/users/bob/main-key") == 1 and gts.fetches_of("/users/bob") == 1


def _doc(mastodon: FakeServer, **changes: object) -> dict[str, object]:
    doc = mastodon.add_actor("alice").document()
    doc.update(changes)
    return doc


@pytest.mark.parametrize(("changes", "fetched_from", "message"), [
    ({}, "http://gts.test/users/alice", "is not on this host"),
    ({"id": "http://ch.test/users/ada"}, "http://ch.test/users/ada", "claims a local actor"),
    ({"type": "Note"}, "http://mastodon.test/users/alice", "not an actor type"),
    ({"preferredUsername": "al ice"}, "http://mastodon.test/users/alice", "preferredUsername"),
    ({"inbox": None}, "http://mastodon.test/users/alice", "no inbox"),
    ({"id": "ftp://mastodon.test/users/alice"}, "http://mastodon.test/users/alice",
     "no acceptable id"),
])
def test_actor_documents_are_believed_only_about_their_own_host(
        local: Local, mastodon: FakeServer, changes: dict[str, object], fetched_from: str,
        message: str) -> None:
    with pytest.raises(FetchInvalidError, match=message):
        parse_actor(_doc(mastodon, **changes), fetched_from=fetched_from, config=local.config)


def test_a_key_owned_by_someone_else_or_on_another_host_is_dropped(
        local: Local, mastodon: FakeServer) -> None:
    doc = _doc(mastodon)
    doc["publicKey"] = {**doc["publicKey"], "owner": "http://mastodon.test/users/mallory"}  # type: ignore[dict-item]
    assert parse_actor(doc, fetched_from=str(doc["id"]), config=local.config).public_key_id is None
    doc = _doc(mastodon)
    doc["publicKey"] = {**doc["publicKey"], "id": "http://gts.test/keys/1"}  # type: ignore[dict-item]
    assert parse_actor(doc, fetched_from=str(doc["id"]), config=local.config).public_key_id is None


async def test_an_actor_recreated_under_a_new_id_replaces_the_old_row(
        local: Local, mastodon: FakeServer) -> None:
    alice = mastodon.add_actor("alice")
    old = await remote_actors.get_or_fetch_actor(local.ctx, alice.uri)
    doc = alice.document()
    doc["id"] = "http://mastodon.test/users/alice2"
    doc["publicKey"]["id"] = doc["id"] + "#main-key"
    doc["publicKey"]["owner"] = doc["id"]
    mastodon.objects["/users/alice2"] = doc
    new = await remote_actors.fetch_actor(local.ctx, "http://mastodon.test/users/alice2")
    assert new.id == old.id and new.uri == "http://mastodon.test/users/alice2"
    async with local.db.acquire() as conn:
        assert await accounts_q.get_account_by_uri(conn, uri=alice.uri) is None
