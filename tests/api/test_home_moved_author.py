"""A page whose author has moved shows the account they moved to, whether or not the page
is rendered from parts kept in process."""

from __future__ import annotations

from typing import Any

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from tests.api.test_status_entity_cache import forget_everything, home
from tests.api.test_timelines import follow, post


async def test_a_moved_author_shows_where_they_moved(api: Any, member: Any, db: Database,
                                                    api_config: Config, clock: FrozenClock,
                                                    worker: Any) -> None:
    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    await follow(db, api_config, clock, bea, ada)
    await follow(db, api_config, clock, bea, cy)
    await worker().run_until_idle()
    await post(api, ada, status="from the old place")
    await post(api, cy, status="not moving")
    await worker().run_until_idle()
    before = await home(api, bea)
    assert all("moved" not in s["account"] for s in before)

    async with db.acquire() as conn:
        await conn.execute("UPDATE accounts SET moved_to_account_id = $1 WHERE id = $2",
                           cy.user.account_id, ada.user.account_id)
    for _ in range(2):   # as read from the database, then from what is kept
        page = await home(api, bea)
        by_text = {s["content"]: s["account"] for s in page}
        assert by_text["<p>from the old place</p>"]["moved"]["acct"] == "cy"
        assert "moved" not in by_text["<p>not moving</p>"]
    forget_everything()
    assert await home(api, bea) == page
