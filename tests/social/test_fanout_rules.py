"""Who a new status's fan-out writes it to (timeline queries fanout_statuses), read from
home_feed itself rather than through the home timeline, which also hides muted authors at
read time: mutes and blocks of the author or of a boosted author, hidden boosts, a boost of
something already in the feed, exclusive lists, hashtag followers who also follow the
author, bells, the lists a status is on, and several statuses in one statement."""

from __future__ import annotations

from typing import Any

import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.follows import service as follows
from server.ids import new_id
from server.lists import queries as lists_q
from server.relations import service as relations
from server.statuses import service as statuses
from server.statuses.compose import Draft
from server.timeline import queries as timeline_q
from tests.helpers import make_account


@pytest.fixture
async def people(db: Database, config: Config, clock: FrozenClock) -> dict[str, Any]:
    names = ("ada", "bea", "cy", "dee", "eve", "fay")
    return {name: await make_account(db, config, clock, name) for name in names}


async def feeds_with(db: Database, status_id: int) -> set[int]:
    async with db.acquire() as conn:
        rows = await conn.fetch("SELECT account_id FROM home_feed WHERE status_id = $1", status_id)
    return {r["account_id"] for r in rows}


async def post(db: Database, config: Config, clock: FrozenClock, author: Any, text: str) -> Any:
    async with db.transaction() as conn:
        return await statuses.create_status(conn, config=config, author=author,
                                            draft=Draft(text=text), now=clock.now())


async def follow(db: Database, config: Config, clock: FrozenClock, follower: Any, target: Any,
                 **kw: Any) -> None:
    async with db.transaction() as conn:
        await follows.follow(conn, config=config, follower=follower, target=target,
                             now=clock.now(), **kw)


async def test_mutes_and_blocks_of_the_author_and_of_the_boosted_author(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any], worker: Any) -> None:
    ada, bea, cy, dee, eve, fay = (people[n] for n in ("ada", "bea", "cy", "dee", "eve", "fay"))
    for fan in (bea, cy, dee, eve):
        await follow(db, config, clock, fan, ada)
    async with db.transaction() as conn:
        await follows.mute(conn, account=bea, target=ada, now=clock.now())
        await follows.mute(conn, account=cy, target=fay, now=clock.now())
        await follows.block(conn, config=config, account=dee, target=fay, now=clock.now())
    await worker().run_until_idle()    # the follows' backfills, before anything is posted
    own = await post(db, config, clock, ada, "ada's own post")
    original = await post(db, config, clock, fay, "fay's post")
    await worker().run_until_idle()
    async with db.transaction() as conn:
        boost = await statuses.reblog(conn, config=config, account=ada, status_id=original.id,
                                      now=clock.now())
    await worker().run_until_idle()
    # bea muted ada: neither ada's post nor her boost; cy muted and dee blocked the boosted
    # author: ada's own post but not the boost.
    names = {p.id: n for n, p in people.items()}
    assert sorted(names[i] for i in await feeds_with(db, own.id)) == ["ada", "cy", "dee", "eve"]
    assert await feeds_with(db, boost.id) == {ada.id, eve.id}


async def test_hidden_boosts_and_a_boost_of_what_the_feed_holds(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any], worker: Any) -> None:
    ada, bea, cy, dee = (people[n] for n in ("ada", "bea", "cy", "dee"))
    await follow(db, config, clock, bea, ada, reblogs=False)
    await follow(db, config, clock, cy, ada)
    await follow(db, config, clock, cy, dee)
    await worker().run_until_idle()
    original = await post(db, config, clock, dee, "dee's post")
    await worker().run_until_idle()
    assert cy.id in await feeds_with(db, original.id)
    async with db.transaction() as conn:
        boost = await statuses.reblog(conn, config=config, account=ada, status_id=original.id,
                                      now=clock.now())
    await worker().run_until_idle()
    # bea hides ada's boosts; cy has dee's post already.
    assert await feeds_with(db, boost.id) == {ada.id}


async def test_exclusive_lists_keep_the_author_out_of_home(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any], worker: Any) -> None:
    ada, bea, cy = (people[n] for n in ("ada", "bea", "cy"))
    await follow(db, config, clock, bea, ada)
    await follow(db, config, clock, cy, ada)
    async with db.transaction() as conn:
        row = await lists_q.insert_list(conn, list_id=new_id(), account_id=bea.id, title="close",
                                        replies_policy="list", exclusive=True, now=clock.now())
        assert await lists_q.add_list_accounts(conn, list_id=row.id, owner_id=bea.id,
                                               account_ids=[ada.id], row_ids=[new_id()]) == []
        status = await statuses.create_status(conn, config=config, author=ada,
                                              draft=Draft(text="for the list"), now=clock.now())
        status_id = status.id
        bells, lists = await timeline_q.fanout_statuses(conn, status_ids=[status_id], now=clock.now())
    assert await feeds_with(db, status_id) == {ada.id, cy.id}
    assert lists == {status_id: [row.id]} and bells == []


async def test_hashtag_followers_who_follow_the_author_get_one_entry_and_bells_ring(
        db: Database, config: Config, clock: FrozenClock, people: dict[str, Any]) -> None:
    ada, bea, cy, dee = (people[n] for n in ("ada", "bea", "cy", "dee"))
    await follow(db, config, clock, bea, ada, notify=True)
    await follow(db, config, clock, cy, ada)
    async with db.transaction() as conn:
        for fan in (bea, dee):
            await relations.follow_tag(conn, account=fan, name="charter", now=clock.now())
        first = await statuses.create_status(conn, config=config, author=ada,
                                             draft=Draft(text="Read the #charter"), now=clock.now())
        second = await statuses.create_status(conn, config=config, author=ada,
                                              draft=Draft(text="and vote"), now=clock.now())
        # Both statuses in one statement, as the inbox stores remote posts; run twice, as a
        # job run again after a crash would: nothing is written twice.
        for _ in range(2):
            bells, lists = await timeline_q.fanout_statuses(
                conn, status_ids=[first.id, second.id], now=clock.now())
            assert sorted(bells) == sorted([(first.id, bea.id), (second.id, bea.id)])
            assert lists == {}
        rows = await conn.fetch("SELECT account_id, status_id FROM home_feed"
                                " WHERE status_id = ANY($1::bigint[])", [first.id, second.id])
    pairs = sorted((r["status_id"], r["account_id"]) for r in rows)
    assert pairs == sorted([(first.id, a) for a in (ada.id, bea.id, cy.id, dee.id)]
                           + [(second.id, a) for a in (ada.id, bea.id, cy.id)])
