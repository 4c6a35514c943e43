"""The streaming hub: a post committed through one connection reaches clients held by a
hub on another connection (as it would on another process), each on the right streams."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.follows import service as follows
from server.statuses import service as statuses
from server.statuses.compose import Draft
from server.streaming.hub import StreamClient, StreamEvent, StreamHub
from tests.helpers import make_account


async def next_event(client: StreamClient) -> StreamEvent | None:
    return await asyncio.wait_for(client.queue.get(), timeout=5)


@pytest.fixture
async def hub(database_url: str) -> Any:
    # A separate pool: like a second web process listening on the same database.
    other = await Database.connect(database_url, min_size=1, max_size=3)
    hub = StreamHub(other)
    await hub.start()
    yield hub
    await hub.stop()
    await other.close()


async def test_post_reaches_home_public_and_hashtag_streams(
        db: Database, config: Config, clock: FrozenClock, worker: Any, hub: StreamHub) -> None:
    ada = await make_account(db, config, clock, "ada")
    bea = await make_account(db, config, clock, "bea")
    cy = await make_account(db, config, clock, "cy")
    async with db.transaction() as conn:
        await follows.follow(conn, config=config, follower=bea, target=ada, now=clock.now())
    await worker().run_until_idle()
    home_bea = StreamClient(bea.id, {"user"})
    home_cy = StreamClient(cy.id, {"user"})
    public = StreamClient(None, {"public:local"})
    tag = StreamClient(None, {"hashtag:coop"})
    for client in (home_bea, home_cy, public, tag):
        hub.add(client)
    async with db.transaction() as conn:
        status = await statuses.create_status(conn, config=config, author=ada,
                                              draft=Draft(text="Hello #Coop"), now=clock.now())
    await worker().run_until_idle()
    assert await next_event(home_bea) == StreamEvent("update", status.id, ("user",))
    assert await next_event(public) == StreamEvent("update", status.id, ("public:local",))
    assert await next_event(tag) == StreamEvent("update", status.id, ("hashtag:coop",))
    assert home_cy.queue.empty()

    async with db.transaction() as conn:
        await statuses.delete_status(conn, account=ada, status_id=status.id, now=clock.now())
    assert (await next_event(home_cy)).event == "delete"   # deletes go to every stream


async def test_notifications_reach_only_their_account(
        db: Database, config: Config, clock: FrozenClock, hub: StreamHub) -> None:
    ada = await make_account(db, config, clock, "ada")
    bea = await make_account(db, config, clock, "bea")
    ada_stream, bea_stream = StreamClient(ada.id, {"user:notification"}), StreamClient(bea.id, {"user"})
    hub.add(ada_stream)
    hub.add(bea_stream)
    async with db.transaction() as conn:
        await follows.follow(conn, config=config, follower=bea, target=ada, now=clock.now())
    event = await next_event(ada_stream)
    assert event is not None and event.event == "notification"
    assert bea_stream.queue.empty()


async def test_rolled_back_post_streams_nothing(db: Database, config: Config, clock: FrozenClock,
                                                hub: StreamHub) -> None:
    ada = await make_account(db, config, clock, "ada")
    watcher = StreamClient(None, {"public"})
    hub.add(watcher)

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        async with db.transaction() as conn:
            status = await statuses.create_status(conn, config=config, author=ada,
                                                  draft=Draft(text="never"), now=clock.now())
            await statuses.delete_status(conn, account=ada, status_id=status.id, now=clock.now())
            raise Abort
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(watcher.queue.get(), timeout=0.3)
