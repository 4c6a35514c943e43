"""The home timeline reads its entries and what they show in one query (list_home_page), the
rows of statuses and authors the process does not hold at the versions read in a second
(list_home_rows): it must answer what list_home_timeline followed by list_page answers,
boosts and their originals included, read the rows' columns as list_page's, and answer the
same from the rows it kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.api.entities.statuses import render_statuses
from server.api.statusviews import queries as views_q
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.timeline import queries as timeline_q
from tests.api.test_timelines import follow, post


async def test_one_query_page_matches_the_two_step_page(api: Any, member: Any, db: Database,
                                                        api_config: Config, clock: FrozenClock,
                                                        worker: Any) -> None:
    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    await follow(db, api_config, clock, bea, ada)
    await worker().run_until_idle()
    posts = []
    for i in range(4):
        clock.advance(timedelta(seconds=1))
        posts.append(await post(api, cy, status=f"cy {i}"))
        clock.advance(timedelta(seconds=1))
        posts.append(await post(api, ada, status=f"ada {i}"))
    for p in posts[::2][:3]:   # ada boosts cy's posts: bea sees them only inside boosts
        clock.advance(timedelta(seconds=1))
        assert (await api.post(f"/api/v1/statuses/{p['id']}/reblog", headers=ada.headers)).status == 200
    await post(api, ada, status="for followers", visibility="private")
    await worker().run_until_idle()
    viewer = bea.user.account_id
    now = clock.now()

    async with db.acquire() as conn:
        cols = list((await conn.fetch(views_q.Q["list_home_page"], viewer, None, None, 3, now))[0].keys())
        assert set(views_q._HOME_COLUMNS) <= set(cols)
        first_id = int(posts[0]["id"])
        row_cols = list((await conn.fetch(views_q.Q["list_home_rows"], [first_id]))[0].keys())
        page_cols = list((await conn.fetch(views_q.Q["list_page"], [int(posts[0]["id"])], viewer))[0].keys())
        assert views_q._columns_in_order(row_cols)
        n = len(views_q.STATUS_FIELDS) + len(views_q.ACCOUNT_COLUMNS)
        assert row_cols[:n] == page_cols[:n] and row_cols[-3:] == ["version", "a_xmin", "st_xmin"]
        for max_id, since_id, limit in ((int(posts[6]["id"]), None, 3),
                                        (int(posts[7]["id"]), int(posts[1]["id"]), 20),
                                        (None, None, 20), (None, None, 3),
                                        (None, int(posts[2]["id"]), 4)):
            views_q._STATUSES.clear()
            views_q._AUTHORS.clear()
            cold = await views_q.list_home_page(conn, account_id=viewer, max_id=max_id,
                                                since_id=since_id, limit=limit, now=now)
            home = await views_q.list_home_page(conn, account_id=viewer, max_id=max_id,
                                                since_id=since_id, limit=limit, now=now)
            # read again from what the first read kept: the same objects
            assert home == cold and all(a.status is b.status and a.author is b.author
                                        for a, b in zip(home.rows, cold.rows))
            ids, loaded = home.ids, home.rows
            assert home.viewer_filters is False
            # what a timeline never renders is not read (see queries.sql)
            assert all(r.status.text_source is None and r.status.updated_at is None
                       for r in loaded)
            assert ids == await timeline_q.list_home_timeline(
                conn, account_id=viewer, max_id=max_id, since_id=since_id, min_id=None,
                limit=limit, now=now)
            one = await render_statuses(conn, api_config, ids, viewer_id=viewer, now=now,
                                        filter_context="home", loaded=loaded)
            two = await render_statuses(conn, api_config, ids, viewer_id=viewer, now=now,
                                        filter_context="home")
            assert one == two and len(one) == len(ids)
        assert any(e["reblog"] for e in one)
        nxt = (await views_q.list_home_page(conn, account_id=viewer, max_id=ids[-1],
                                            since_id=None, limit=20, now=now)).ids
        assert nxt and max(nxt) < ids[-1]


async def test_embeds_and_flags_match_the_two_step_page(api: Any, member: Any, db: Database,
                                                        api_config: Config, clock: FrozenClock,
                                                        worker: Any) -> None:
    """The page reads embeds and the viewer's flags once per page, not per row: every kind of
    them, on entries and on originals inside boosts, answers as list_page does."""
    from tests.api.test_media import picture, upload

    ada, bea, cy = await member("ada"), await member("bea"), await member("cy")
    await follow(db, api_config, clock, bea, ada)
    await worker().run_until_idle()

    def tick() -> None:
        clock.advance(timedelta(seconds=1))

    media = await (await upload(api, ada, picture(), description="red")).json()
    tick()
    pictured = await post(api, ada, status="look #cats", media_ids=[media["id"]])
    tick()
    polled = await post(api, ada, status="which?",
                        poll={"options": ["a", "b"], "expires_in": 3600})
    tick()
    mentioning = await post(api, ada, status="hi @bea and @cy #dogs #cats")
    tick()
    by_cy = await post(api, cy, status="from cy #birds")
    tick()
    own = await post(api, bea, status="bea's own")
    for path in (f"/api/v1/statuses/{pictured['id']}/favourite",
                 f"/api/v1/statuses/{polled['id']}/bookmark",
                 f"/api/v1/statuses/{own['id']}/pin",
                 f"/api/v1/statuses/{mentioning['id']}/mute",
                 f"/api/v1/statuses/{by_cy['id']}/favourite",
                 f"/api/v1/statuses/{by_cy['id']}/reblog"):
        tick()
        resp = await api.post(path, headers=bea.headers)
        assert resp.status == 200, (path, await resp.text())
    tick()   # ada boosts cy's post: its original's flags and embeds come inside the boost
    assert (await api.post(f"/api/v1/statuses/{by_cy['id']}/reblog", headers=ada.headers)).status == 200
    await worker().run_until_idle()
    viewer, now = bea.user.account_id, clock.now()
    async with db.acquire() as conn:
        for fresh in (True, False):
            if fresh:
                views_q._STATUSES.clear()
                views_q._AUTHORS.clear()
            home = await views_q.list_home_page(conn, account_id=viewer, max_id=None,
                                                since_id=None, limit=20, now=now)
            one = await render_statuses(conn, api_config, home.ids, viewer_id=viewer, now=now,
                                        filter_context="home", loaded=home.rows)
            two = await render_statuses(conn, api_config, home.ids, viewer_id=viewer, now=now,
                                        filter_context="home")
            assert one == two
    shown = {e["id"]: e for e in one}
    boost = next(e for e in one if e["reblog"])
    assert boost["reblog"]["favourited"] and boost["reblog"]["reblogged"]
    assert boost["reblog"]["tags"][0]["name"] == "birds"
    assert shown[pictured["id"]]["favourited"] and shown[pictured["id"]]["media_attachments"]
    assert shown[polled["id"]]["bookmarked"] and shown[polled["id"]]["poll"]
    assert shown[own["id"]]["pinned"]
    assert shown[mentioning["id"]]["muted"]
    assert [m["username"] for m in shown[mentioning["id"]]["mentions"]] == ["bea", "cy"]
    assert [t["name"] for t in shown[mentioning["id"]]["tags"]] == ["cats", "dogs"]


async def test_an_entry_boosted_on_the_same_page_is_one_row(api: Any, member: Any, db: Database,
                                                           api_config: Config, clock: FrozenClock,
                                                           worker: Any) -> None:
    """The page reads the originals of its boosts apart from its entries: an original that is
    an entry too (the viewer follows both the booster and the author) comes once, as an
    entry; one by an author the viewer does not follow comes as an original only; a deleted
    entry is left out."""
    ada, bea, cy, dan = (await member("ada"), await member("bea"), await member("cy"),
                         await member("dan"))
    for target in (ada, cy):
        await follow(db, api_config, clock, bea, target)
    await worker().run_until_idle()

    originals = []
    for author, text in ((cy, "from cy"), (dan, "from dan"), (cy, "soon gone")):
        clock.advance(timedelta(seconds=1))
        originals.append(await post(api, author, status=text))
    boosts = []
    for original in originals:   # ada boosts each of them
        clock.advance(timedelta(seconds=1))
        resp = await api.post(f"/api/v1/statuses/{original['id']}/reblog", headers=ada.headers)
        assert resp.status == 200
        boosts.append(int((await resp.json())["id"]))
    by_cy, by_dan, gone = originals
    clock.advance(timedelta(seconds=1))
    assert (await api.delete(f"/api/v1/statuses/{gone['id']}", headers=cy.headers)).status == 200
    await worker().run_until_idle()
    viewer, now = bea.user.account_id, clock.now()
    async with db.acquire() as conn:
        # Fan-out leaves out a boost of what the feed already holds, unless the boost came
        # first: put it there whichever order the jobs ran in.
        await conn.execute("INSERT INTO home_feed (account_id, status_id, author_id, reblog_of_id)"
                           " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                           viewer, boosts[0], ada.user.account_id, int(by_cy["id"]))
        rows = await conn.fetch(views_q.Q["list_home_page"], viewer, None, None, 20, now)
        assert len({r["id"] for r in rows}) == len(rows)   # no status twice
        in_page = {r["id"]: r["in_page"] for r in rows}
        assert in_page[int(by_cy["id"])] is True            # an entry, and inside a boost
        assert in_page[int(by_dan["id"])] is False          # not followed: only inside a boost
        assert int(gone["id"]) not in in_page                # deleted
        home = await views_q.list_home_page(conn, account_id=viewer, max_id=None,
                                            since_id=None, limit=20, now=now)
        assert home.ids == await timeline_q.list_home_timeline(
            conn, account_id=viewer, max_id=None, since_id=None, min_id=None, limit=20, now=now)
        one = await render_statuses(conn, api_config, home.ids, viewer_id=viewer, now=now,
                                    filter_context="home", loaded=home.rows)
        two = await render_statuses(conn, api_config, home.ids, viewer_id=viewer, now=now,
                                    filter_context="home")
        assert one == two
    boosted = [e["reblog"]["id"] for e in one if e["reblog"]]
    assert boosted == [by_dan["id"], by_cy["id"]]
    assert by_cy["id"] in [e["id"] for e in one] and by_dan["id"] not in [e["id"] for e in one]
