"""A delivery the remote server took is never sent again, even when PostgreSQL refuses to
record its success: here a trigger on delivery_hosts refuses one host's row, and the fake
servers (over real HTTP on loopback) count the POSTs they receive."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from server.federation import queries as fed_q
from server.jobs import queries as jobs_q
from server.statuses import service as statuses
from tests.federation.outbound.conftest import World

pytestmark = pytest.mark.usefixtures("world")


@pytest.fixture
async def refused(world: World) -> AsyncIterator[str]:
    """gts.test's row in delivery_hosts cannot be written (as a full disk, a bad value or a
    constraint added later would refuse it); mastodon.test's can."""
    async with world.local.db.acquire() as conn:
        await conn.execute("""
            CREATE FUNCTION refuse_host_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.host = 'gts.test' THEN RAISE EXCEPTION 'refused: %', NEW.host; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_host BEFORE INSERT OR UPDATE ON delivery_hosts
                FOR EACH ROW EXECUTE FUNCTION refuse_host_for_test();""")
    yield "gts.test"


async def lift_refusal(world: World) -> None:
    async with world.local.db.acquire() as conn:
        await conn.execute("DROP TRIGGER refuse_host ON delivery_hosts")


async def run_for_days(world: World) -> None:
    """Every retry there could be: the worker, then hours later, again and again."""
    for _ in range(4):
        await world.run()
        world.local.clock.advance(timedelta(hours=7))
    await world.run()


async def health(world: World, host: str) -> fed_q.DeliveryHost | None:
    async with world.local.db.acquire() as conn:
        return await fed_q.get_delivery_host(conn, host=host)


async def deliveries_left(world: World) -> int:
    async with world.local.db.acquire() as conn:
        return len(await jobs_q.list_jobs(conn, kind="federation.deliver"))


async def test_a_success_that_cannot_be_recorded_is_not_sent_again(
        world: World, refused: str) -> None:
    for n in range(3):
        await world.remote(f"m{n}", "mastodon.test", follows_ada=True)
    await world.remote("g1", "gts.test", follows_ada=True)
    posted = await world.post("Hello, once")
    await run_for_days(world)

    for host in ("mastodon.test", "gts.test"):
        assert world.types(host) == ["Create"], host
        assert world.received(host)[0]["object"]["id"] == posted.uri
    assert await deliveries_left(world) == 0        # done, not waiting for a retry
    ok = await health(world, "mastodon.test")
    assert ok is not None and ok.last_success_at is not None
    assert await health(world, refused) is None


async def test_a_delete_follows_its_create_once_each(world: World, refused: str) -> None:
    await world.remote("m1", "mastodon.test", follows_ada=True)
    await world.remote("g1", "gts.test", follows_ada=True)
    posted = await world.post("Soon gone")
    await world.run()
    async with world.local.db.transaction() as conn:
        await statuses.delete_status(conn, account=world.ada, status_id=posted.id,
                                     now=world.local.clock.now())
    await run_for_days(world)
    for host in ("mastodon.test", "gts.test"):
        assert world.types(host) == ["Create", "Delete"], host


async def test_an_unrecorded_success_is_recorded_by_the_hosts_next_delivery(
        world: World, refused: str) -> None:
    await world.remote("g1", "gts.test", follows_ada=True)
    await world.post("First")
    await run_for_days(world)
    assert await health(world, refused) is None
    await lift_refusal(world)
    await world.post("Second")
    await world.run()
    assert world.types(refused) == ["Create", "Create"]
    recorded = await health(world, refused)
    assert recorded is not None and recorded.last_success_at == world.local.clock.now()


async def test_many_hosts_answered_together_lose_only_the_refused_row(
        world: World, refused: str) -> None:
    """A host that failed before is written on success; the refused host's row fails its
    statement, which is then written row by row: the other host's failures are cleared."""
    await world.remote("m1", "mastodon.test", follows_ada=True)
    await world.remote("g1", "gts.test", follows_ada=True)
    async with world.local.db.acquire() as conn:
        await fed_q.record_delivery_failure(conn, host="mastodon.test",
                                            now=world.local.clock.now(), error="HTTP 503",
                                            threshold=8, span=timedelta(hours=1))
    for n in range(3):
        await world.post(f"Post {n}")
    await run_for_days(world)
    assert world.types("mastodon.test") == ["Create"] * 3
    assert world.types(refused) == ["Create"] * 3
    cleared = await health(world, "mastodon.test")
    assert cleared is not None and cleared.consecutive_failures == 0
    assert await deliveries_left(world) == 0
