"""End to end: a member posts while a follower's server is down; our server restarts; the
server comes back and gets the post, then the edit, in order. A server that answers 410
Gone ends `failed` with that reason while the others are delivered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from server.app import make_client_session
from server.jobs import queries as jobs_q
from server.jobs.context import JobContext
from server.jobs.registry import job_handlers
from server.jobs.worker import Worker, backoff_delay
from server.statuses import service as statuses
from server.statuses.compose import Draft
from tests.federation.outbound.conftest import World


def _answer(status: int) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(_: web.Request) -> web.Response:
        return web.Response(status=status)
    return handler


async def test_a_post_reaches_a_server_that_was_down_across_a_restart(world: World) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)
    mastodon = world.fediverse["mastodon.test"]
    mastodon.custom["/inbox"] = _answer(503)          # down for maintenance
    status = await world.post("Posted during the outage")
    await world.run()
    world.local.clock.advance(timedelta(seconds=30))
    async with world.local.db.transaction() as conn:
        await statuses.edit_status(conn, config=world.local.config, author=world.ada,
                                   status_id=status.id, draft=Draft(text="Edited during it"),
                                   now=world.local.clock.now())
    await world.run()
    async with world.local.db.acquire() as conn:
        deliveries = await jobs_q.list_jobs(conn, kind="federation.deliver")
    assert [j.state for j in deliveries] == ["ready", "ready"]
    assert "HTTP 503" in (deliveries[0].last_error or "")
    assert world.received("mastodon.test") == []

    # Our server restarts: a new HTTP client and a new worker over the same database.
    local = world.local
    session = make_client_session(local.config, resolver=world.fediverse.resolver())
    try:
        restarted = Worker(JobContext(db=local.db, clock=local.clock, config=local.config,
                                      http=session), job_handlers())
        del mastodon.custom["/inbox"]                         # and the remote comes back
        local.clock.advance(backoff_delay(3))
        await restarted.run_until_idle()
    finally:
        await session.close()

    create, update = world.received("mastodon.test")
    assert (create["type"], update["type"]) == ("Create", "Update")
    assert create["object"]["id"] == update["object"]["id"] == status.uri
    for received in world.fediverse["mastodon.test"].received:
        world.verify(received)
    async with local.db.acquire() as conn:
        deliveries = await jobs_q.list_jobs(conn, kind="federation.deliver")
    assert deliveries == []                                  # done jobs are removed


async def test_a_gone_server_ends_failed_with_the_reason(world: World) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)
    await world.remote("bob", "gts.test", follows_ada=True)
    world.fediverse["gts.test"].custom["/inbox"] = _answer(410)
    await world.post("Hello")
    await world.run()
    async with world.local.db.acquire() as conn:
        jobs = {j.payload["inbox"]: j
                for j in await jobs_q.list_jobs(conn, kind="federation.deliver")}
    gone = jobs["http://gts.test/inbox"]
    assert gone.state == "failed"
    assert "http://gts.test/inbox answered HTTP 410" in (gone.last_error or "")
    assert "http://mastodon.test/inbox" not in jobs            # delivered, so removed
    assert world.types("mastodon.test") == ["Create"]
