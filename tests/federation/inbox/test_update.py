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


async def test_an_edit_keeps_the_previous_version_as_history(local: Local, ada: Any,
                                                             alice: FakeActor) -> None:
    from tests.federation.inbox.support import create_note, fetch, status
    create = create_note(alice, 112233445566778899)
    await deliver_and_process(local, alice, create)
    before = await status(local, create["object"]["id"])
    assert before is not None
    update = payload("mastodon/update_note.json")
    item = await deliver_and_process(local, alice, update)
    assert (item.state, item.error) == ("processed", None)
    after = await status(local, before.uri)
    assert after is not None and "Eight of them" in after.content
    assert after.edited_at is not None
    assert after.edited_at.isoformat() == "2024-05-02T10:20:00+00:00"
    edits = await fetch(local, "SELECT content, spoiler_text, media FROM status_edits "
                               "WHERE status_id = $1", before.id)
    assert len(edits) == 1 and edits[0]["content"] == before.content
    assert edits[0]["media"][0]["description"] == "Six small tomato seedlings in a wooden box"
    # Kept whole, so the API's history can show the version's attachment.
    from server.api.entities.media import to_mastodon_media
    shown = to_mastodon_media(edits[0]["media"][0], local.config)
    assert shown["type"] == "image" and shown["url"].endswith("/original/tomatoes.jpg")
    # The attachment was removed in the edit.
    assert await fetch(local, "SELECT id FROM media_attachments WHERE status_id = $1",
                       before.id) == []
    # The same Update again (another id): nothing changes.
    again = await deliver_and_process(local, alice, {**update, "id": update["id"] + "-again"})
    assert again.state == "ignored"
    assert len(await fetch(local, "SELECT id FROM status_edits")) == 1


async def test_an_update_refreshes_poll_counts(local: Local, ada: Any, alice: FakeActor) -> None:
    from tests.federation.inbox.support import create_note, fetch
    create = create_note(alice, 77, fixture="create_question")
    await deliver_and_process(local, alice, create)
    update = {**payload("mastodon/update_note.json"), "id": f"{alice.uri}/statuses/77#updates/1",
              "object": {**create["object"], "votersCount": 9,
                         "oneOf": [{"type": "Note", "name": "Tuesday",
                                    "replies": {"type": "Collection", "totalItems": 6}},
                                   {"type": "Note", "name": "Thursday",
                                    "replies": {"type": "Collection", "totalItems": 3}}]}}
    item = await deliver_and_process(local, alice, update)
    assert item.state == "processed"
    polls = await fetch(local, "SELECT remote_counts, remote_voters FROM polls")
    assert polls == [{"remote_counts": [6, 3], "remote_voters": 9}]
    assert await fetch(local, "SELECT id FROM status_edits") == []


async def test_an_update_of_someone_elses_post_is_refused(local: Local, ada: Any,
                                                          alice: FakeActor) -> None:
    from tests.federation.inbox.support import create_note, status
    create = create_note(alice, 112233445566778899)
    await deliver_and_process(local, alice, create)
    mallory = alice.server.add_actor("mallory")
    update = payload("mastodon/update_note.json")
    update.update(actor=mallory.uri, id=f"{mallory.uri}#updates/1")
    update["object"]["attributedTo"] = mallory.uri
    item = await deliver_and_process(local, mallory, update)
    assert item.state == "ignored" and "only the author" in item.error
    post = await status(local, create["object"]["id"])
    assert post is not None and post.edited_at is None


async def test_an_edit_from_another_server_tells_local_boosters(local: Local, ada: Any,
                                                               alice: FakeActor) -> None:
    """The Update of a post ada boosted gives her an `update` notification; a refresh of a
    poll's counts (no edit) would not."""
    from server.accounts import queries as accounts_q
    from server.statuses import service as statuses
    from tests.federation.inbox.support import create_note, fetch, status
    create = create_note(alice, 112233445566778899)
    await deliver_and_process(local, alice, create)
    note = await status(local, create["object"]["id"])
    assert note is not None
    async with local.db.transaction() as conn:
        account = await accounts_q.get_account(conn, account_id=ada.account_id)
        assert account is not None
        await statuses.reblog(conn, config=local.config, account=account, status_id=note.id,
                              now=local.clock.now())
    item = await deliver_and_process(local, alice, payload("mastodon/update_note.json"))
    assert item.state == "processed"
    await local.worker.run_until_idle()
    rows = await fetch(local, "SELECT type, status_id, from_account_id FROM notifications "
                              "WHERE account_id = $1 AND type = 'update'", ada.account_id)
    assert rows == [{"type": "update", "status_id": note.id, "from_account_id": note.account_id}]
