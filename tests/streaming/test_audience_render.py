"""A stream update rendered for all its viewers at once says, for each viewer, exactly what
rendering it for that viewer alone says, and leaves out who may not see it."""

from __future__ import annotations

from typing import Any

from server.api.entities.statuses import render_status_for_viewers, render_statuses
from server.api.statusviews import queries as views_q
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.follows import service as follows
from server.statuses import service as statuses
from server.statuses.compose import Draft
from tests.helpers import make_account


async def test_batch_rendering_matches_one_by_one(db: Database, config: Config,
                                                  clock: FrozenClock) -> None:
    ada = await make_account(db, config, clock, "ada")
    fans = [await make_account(db, config, clock, name) for name in ("bea", "cy", "dee", "eve")]
    bea, cy, dee, eve = fans
    now = clock.now()
    async with db.transaction() as conn:
        status = await statuses.create_status(conn, config=config, author=ada,
                                              draft=Draft(text="Hello #coop"), now=now)
        await statuses.favourite(conn, account=bea, status_id=status.id, now=now)
        await follows.block(conn, config=config, account=ada, target=cy, now=now)
        await follows.mute(conn, account=dee, target=ada, now=now)
    viewers = [ada.id, *(f.id for f in fans)]
    async with db.acquire() as conn:
        batch = await render_status_for_viewers(conn, config, status.id, viewer_ids=viewers,
                                                now=now)
        one_by_one: dict[int, Any] = {}
        for viewer in viewers:
            seen = await views_q.filter_visible(conn, status_ids=[status.id], viewer_id=viewer,
                                                hide_muted=True, now=now)
            if status.id in seen:
                one_by_one[viewer] = (await render_statuses(conn, config, [status.id],
                                                            viewer_id=viewer, now=now))[0]
    assert set(batch) == {ada.id, bea.id, eve.id} == set(one_by_one)
    for viewer in batch:
        assert batch[viewer] == one_by_one[viewer]
    assert batch[bea.id]["favourited"] is True and batch[eve.id]["favourited"] is False
    assert batch[ada.id]["pinned"] is False and "pinned" not in batch[bea.id]
