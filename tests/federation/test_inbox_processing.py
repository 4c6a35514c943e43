"""The processing job and its dispatcher: Mastodon-shaped activities delivered by the fake
server end up processed, ignored or failed with a reason, and the worker keeps going."""

from __future__ import annotations

from typing import Any

import pytest

from server.jobs import queries as jobs_q
from tests.fakes.fediverse import FakeActor, payload
from tests.federation.conftest import Local
from tests.federation.helpers import INBOX, deliver_and_process


@pytest.mark.parametrize("name", ["follow", "accept", "like", "undo_like", "announce",
                                  "create_note", "create_question", "update_note",
                                  "delete_note", "block", "move"])
async def test_every_mastodon_payload_reaches_its_handler_and_never_crashes_the_worker(
        local: Local, ada: Any, alice: FakeActor, name: str) -> None:
    # Without the posts, follows and servers they refer to, most end ignored or failed with
    # a reason (the Move's target server has no such account); each handler's own test
    # module tests the effects.
    item = await deliver_and_process(local, alice, payload(f"mastodon/{name}.json"))
    assert item.state in ("processed", "ignored", "failed")
    assert item.state == "processed" or item.error
    assert item.error is None or not item.error.startswith("not handled yet")


async def test_unknown_types_are_stored_and_ignored_with_the_reason(local: Local, ada: Any,
                                                                    alice: FakeActor) -> None:
    add = {"id": f"{alice.uri}#add/1", "type": "EmojiReact", "actor": alice.uri,
           "object": "http://ch.test/users/ada/statuses/1", "content": "🍅"}
    item = await deliver_and_process(local, alice, add)
    assert item.state == "ignored"
    assert item.error == "activity type 'EmojiReact' is not supported"


async def test_a_malformed_activity_fails_with_a_reason_and_the_worker_goes_on(
        local: Local, ada: Any, alice: FakeActor) -> None:
    broken = {"id": f"{alice.uri}/statuses/9/activity", "type": "Create", "actor": alice.uri,
              "object": 42}
    spoofed = {**payload("mastodon/create_note.json"), "id": f"{alice.uri}/statuses/10/activity"}
    spoofed["object"] = {**spoofed["object"], "attributedTo": "http://mastodon.test/users/bob"}
    update = {**payload("mastodon/update_actor.json"), "object": alice.document()}
    for activity in (broken, spoofed, update):
        status, _ = await alice.server.deliver(alice, activity, to=INBOX)
        assert status == 202
    await local.worker.run_until_idle()
    items = {i.activity_id: i for i in await local.inbox_items()}
    assert items[broken["id"]].state == "failed"
    assert items[broken["id"]].error == "Create must embed the object it creates or name it by id"
    assert items[spoofed["id"]].state == "failed"
    assert "attributed to someone other" in items[spoofed["id"]].error
    assert items[update["id"]].state == "processed"
    async with local.db.acquire() as conn:
        assert await jobs_q.count_jobs_by_state(conn) == {}
