"""Inbox items processed as a batch (one transaction for the Creates that need nothing
fetched) end exactly as they would one by one: posts, tags, feeds, counters, mentions and
notifications, duplicates and posts deleted before they arrived; other kinds in the same
batch are handed back to the one-by-one handler."""

from __future__ import annotations

from typing import Any

import pytest

from server.federation.activitypub import queries as ap_q
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox import create_batch
from tests.fakes.fediverse import FakeActor, payload
from tests.federation.conftest import Local
from tests.federation.factories import follow
from tests.federation.helpers import INBOX, deliver_and_process
from tests.federation.inbox.support import create_note, fetch, home, notifications, status


def plain_note(actor: FakeActor, number: int, *tags: str) -> dict[str, Any]:
    """A public post with hashtags only: no mention, attachment or reply."""
    return create_note(actor, number, attachment=[], cc=[f"{actor.uri}/followers"],
                       tag=[{"type": "Hashtag", "href": f"http://mastodon.test/tags/{t}",
                             "name": f"#{t}"} for t in tags])


async def test_a_batch_of_creates_ends_as_one_by_one_would(
        local: Local, ada: Any, alice: FakeActor, monkeypatch: pytest.MonkeyPatch) -> None:
    account = await remote_actors.fetch_actor(local.ctx, alice.uri)
    await follow(local.db, local.clock, ada.account_id, account.id)
    deleted_first = create_note(alice, 112233445566778899)
    early = await deliver_and_process(local, alice, payload("mastodon/delete_note.json"))
    assert early.state == "ignored"

    batches: list[int] = []
    store = create_batch.store_creates

    async def spy(ctx: Any, creates: list[Any]) -> Any:
        batches.append(len(creates))
        return await store(ctx, creates)

    monkeypatch.setattr(create_batch, "store_creates", spy)
    like = {"id": f"{alice.uri}#likes/1", "type": "Like", "actor": alice.uri,
            "object": f"{alice.uri}/statuses/21"}
    twice = plain_note(alice, 22, "Garden")
    docs = [plain_note(alice, 21, "garden", "coop"), twice, create_note(alice, 23),
            {**twice, "id": twice["id"] + "-again"}, deleted_first, like,
            plain_note(alice, 24), create_note(alice, 25, inReplyTo=f"{alice.uri}/statuses/21")]
    for doc in docs:
        assert (await alice.server.deliver(alice, doc, to=INBOX))[0] == 202
    await local.worker.run_until_idle()

    assert batches == [7]  # the seven Creates together; the Like went one by one
    async with local.db.acquire() as conn:
        items = {i.activity_id: i for i in await ap_q.list_inbox_items(conn)}
    outcomes = [(items[d["id"]].state, items[d["id"]].error) for d in docs]
    assert outcomes[:3] == [("processed", None)] * 3
    assert outcomes[3][0] == "ignored" and "already stored" in outcomes[3][1]
    assert outcomes[4][0] == "ignored" and "deleted before it arrived" in outcomes[4][1]
    assert outcomes[5][0] in ("processed", "ignored") and outcomes[6:] == [("processed", None)] * 2
    assert await status(local, deleted_first["object"]["id"]) is None

    posts = [await status(local, f"{alice.uri}/statuses/{n}") for n in (21, 22, 23, 24)]
    assert all(p is not None and p.conversation_id == p.id for p in posts)
    # A reply to a plain post of the same batch finds its parent: stored first, nothing to fetch.
    reply = await status(local, f"{alice.uri}/statuses/25")
    assert reply is not None and reply.in_reply_to_id == posts[0].id
    assert reply.conversation_id == posts[0].id and posts[0].replies_count == 1
    assert await fetch(local, "SELECT id FROM jobs WHERE kind = 'federation.fetch_parent'") == []
    assert sorted(await home(local, ada.account_id)) == sorted([p.id for p in posts] + [reply.id])
    tags = await fetch(local, "SELECT st.status_id, lower(t.name) AS name FROM status_tags st "
                              "JOIN tags t ON t.id = st.tag_id ORDER BY 1, 2")
    assert [(r["status_id"], r["name"]) for r in tags] == sorted(
        [(posts[0].id, "coop"), (posts[0].id, "garden"), (posts[1].id, "garden"),
         (posts[2].id, "coop"), (reply.id, "coop")])
    assert len(await fetch(local, "SELECT id FROM tags WHERE lower(name) = 'garden'")) == 1
    [stats] = await fetch(local, "SELECT statuses_count, last_status_at FROM account_stats "
                                 "WHERE account_id = $1", account.id)
    assert stats["statuses_count"] == 5
    assert stats["last_status_at"] == max(p.created_at for p in [*posts, reply])
    assert sorted(await notifications(local, ada.account_id)) == sorted(
        [("mention", posts[2].id), ("mention", reply.id)])
    assert len(await fetch(local, "SELECT id FROM media_attachments")) == 2
