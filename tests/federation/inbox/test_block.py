"""Block: a remote account blocks one of our members."""

from __future__ import annotations

from typing import Any

from server.follows import queries as follows_q
from tests.fakes.fediverse import FakeActor, payload
from tests.federation.conftest import Local
from tests.federation.factories import follow
from tests.federation.helpers import account_by_uri, deliver_and_process
from tests.federation.inbox.support import fetch


async def test_a_block_ends_follows_both_ways_and_is_recorded(local: Local, ada: Any,
                                                              alice: FakeActor) -> None:
    await deliver_and_process(local, alice, payload("mastodon/follow.json"))
    account = await account_by_uri(local, alice.uri)
    await follow(local.db, local.clock, ada.account_id, account.id)
    block = payload("mastodon/block.json")
    item = await deliver_and_process(local, alice, block)
    assert (item.state, item.error) == ("processed", None)
    assert await fetch(local, "SELECT id FROM follows") == []
    async with local.db.acquire() as conn:
        assert await follows_q.is_blocking(conn, account_id=account.id, target_id=ada.account_id)
        assert (await follows_q.get_block_by_uri(conn, uri=block["id"])) is not None
    # Twice: still one block.
    await deliver_and_process(local, alice, {**block, "id": block["id"] + "-2"})
    assert len(await fetch(local, "SELECT id FROM blocks")) == 1
