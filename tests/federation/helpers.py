"""Helpers for federation tests that deliver activities and look at what was stored."""

from __future__ import annotations

from typing import Any

from server.accounts import queries as accounts_q
from server.federation.activitypub import queries as ap_q
from tests.fakes.fediverse import FakeActor
from tests.federation.conftest import Local

INBOX = "http://ch.test/inbox"


async def deliver_and_process(local: Local, sender: FakeActor, activity: dict[str, Any], *,
                              key_id: str | None = None, private_key: Any = None) -> Any:
    status, text = await sender.server.deliver(sender, activity, to=INBOX, key_id=key_id,
                                               private_key=private_key)
    assert status == 202, text
    await local.worker.run_until_idle()
    async with local.db.acquire() as conn:
        for item in await ap_q.list_inbox_items(conn):
            if item.activity_id == activity["id"]:
                return item
    raise AssertionError("the activity was not stored")


async def account_by_uri(local: Local, uri: str) -> Any:
    async with local.db.acquire() as conn:
        return await accounts_q.get_account_by_uri(conn, uri=uri)
