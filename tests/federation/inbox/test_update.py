"""Update: remote profile changes."""

from __future__ import annotations

from typing import Any

from tests.fakes.fediverse import FakeActor, FakeServer, payload
from tests.federation.conftest import Local
from tests.federation.helpers import INBOX, account_by_uri, deliver_and_process


async def test_update_of_an_actor_refreshes_the_profile_from_the_embedded_document(
        local: Local, ada: Any, alice: FakeActor) -> None:
    alice.display_name, alice.locked = "Alice (on holiday)", True
    alice.summary = '<p>Back soon <script>alert(1)</script></p>'
    update = payload("mastodon/update_actor.json")
    update["object"] = alice.document()
    item = await deliver_and_process(local, alice, update)
    assert (item.state, item.error) == ("processed", None)
    account = await account_by_uri(local, alice.uri)
    assert account.display_name == "Alice (on holiday)" and account.locked is True
    assert "<script>" not in account.note and "Back soon" in account.note
    assert alice.server.fetches_of("/users/alice") == 1  # only for the signature's key


async def test_update_naming_the_actor_by_id_fetches_the_profile(local: Local, ada: Any,
                                                                 alice: FakeActor) -> None:
    update = payload("mastodon/update_actor.json")
    update["object"] = alice.uri
    await alice.server.deliver(alice, {**update, "id": update["id"] + "-first"}, to=INBOX)
    alice.display_name = "Alice Renamed"
    item = await deliver_and_process(local, alice, update)
    assert item.state == "processed"
    assert (await account_by_uri(local, alice.uri)).display_name == "Alice Renamed"


async def test_an_actor_cannot_update_someone_elses_profile(local: Local, ada: Any,
                                                            alice: FakeActor,
                                                            mastodon: FakeServer) -> None:
    bob = mastodon.add_actor("bob")
    update = payload("mastodon/update_actor.json")
    update["object"] = bob.document()
    item = await deliver_and_process(local, alice, update)
    assert item.state == "failed" and "only update its own profile" in item.error
