"""The notifications list takes its statuses and accounts as JSON kept in process
(encoded_at_once): the same bytes as the entities built as dicts, cold and warm, with a
moved account among the senders."""

from __future__ import annotations

from typing import Any

from server.api.entities.notifications import render_notifications
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.jsonio import dumpb
from server.notifications import queries as notifications_q
from tests.api.test_status_entity_cache import forget_everything
from tests.api.test_timelines import follow, post


async def test_fragments_are_the_same_bytes_as_dicts(api: Any, member: Any, db: Database,
                                                     api_config: Config, clock: FrozenClock,
                                                     worker: Any) -> None:
    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    await follow(db, api_config, clock, bea, ada)
    first = await post(api, ada, status="hello")
    await post(api, bea, status="@ada hi", in_reply_to_id=first["id"])
    for who in (bea, cy):
        resp = await api.post(f"/api/v1/statuses/{first['id']}/favourite", headers=who.headers)
        assert resp.status == 200
    await worker().run_until_idle()
    async with db.acquire() as conn:   # bea moved to cy: her entity carries cy's inside
        await conn.execute("UPDATE accounts SET moved_to_account_id = $1 WHERE id = $2",
                           cy.user.account_id, bea.user.account_id)
    for cold in (True, False):
        if cold:
            forget_everything()
        resp = await api.get("/api/v1/notifications", headers=ada.headers)
        assert resp.status == 200
        got = await resp.read()
        async with db.acquire() as conn:
            rows = await notifications_q.list_notifications(
                conn, account_id=ada.user.account_id, types=None, exclude_types=[],
                from_account_id=None, max_id=None, since_id=None, min_id=None, limit=40,
                include_filtered=False)
            want = await render_notifications(conn, api_config, rows,
                                              viewer_id=ada.user.account_id, now=clock.now())
        assert got == dumpb(want)
        shown = await resp.json()
        assert {n["type"] for n in shown} >= {"favourite", "mention", "follow"}
        moved = [n for n in shown if n["account"]["id"] == str(bea.user.account_id)]
        assert moved and all(n["account"]["moved"]["id"] == str(cy.user.account_id)
                             for n in moved)
