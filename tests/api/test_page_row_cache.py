"""The page queries' row caches (statusviews._STATUSES, _AUTHORS) hold one entry per row and
form, whatever the row's history: a changed counter replaces the entry, an unchanged row is
the same object on the next page, and the bound in bytes holds."""

from __future__ import annotations

from typing import Any

from server.api.statusviews import queries as views_q
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from tests.api.test_status_entity_cache import forget_everything, home
from tests.api.test_timelines import follow, post


async def test_a_changed_row_replaces_its_entry(api: Any, member: Any, db: Database,
                                                api_config: Config, clock: FrozenClock,
                                                worker: Any) -> None:
    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    await follow(db, api_config, clock, bea, ada)
    await worker().run_until_idle()
    first = await post(api, ada, status="counted")
    await worker().run_until_idle()
    forget_everything()
    timeline = f"/api/v1/accounts/{ada.user.account_id}/statuses"
    await home(api, bea)
    assert (await api.get(timeline, headers=bea.headers)).status == 200
    # One status and one author, each in two forms (home's rows leave columns out and are
    # found by their versions).
    assert len(views_q._STATUSES) == 2 and len(views_q._AUTHORS) == 2
    kept = views_q._STATUSES.get(int(first["id"]))
    assert kept is not None
    await home(api, bea)
    assert (await api.get(timeline, headers=bea.headers)).status == 200
    assert views_q._STATUSES.get(int(first["id"])) is kept   # unchanged: the same entry

    for who in (bea, cy):   # each favourite changes the row's count and the author's nothing
        resp = await api.post(f"/api/v1/statuses/{first['id']}/favourite", headers=who.headers)
        assert resp.status == 200
        shown = await (await api.get(timeline, headers=bea.headers)).json()
        assert shown[0]["favourites_count"] == (1 if who is bea else 2)
        assert (await home(api, bea))[0]["favourites_count"] == (1 if who is bea else 2)
    assert len(views_q._STATUSES) == 2 and len(views_q._AUTHORS) == 2
    assert views_q._STATUSES.get(int(first["id"])) is not kept
    weighed = sum(views_q._weigh_status(e) for e in views_q._STATUSES.values())
    assert views_q._STATUSES.bytes == weighed


def test_the_bound_in_bytes_holds() -> None:
    cache = views_q._STATUSES
    text = "x" * 10_000
    try:
        for i in range(1, 1000):
            cache.put(i, ((i, text), None))   # type: ignore[arg-type]
            assert cache.bytes <= views_q.STATUSES_MAX_BYTES
        assert 0 < len(cache) < 1000
    finally:
        cache.clear()
