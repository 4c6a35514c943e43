"""Verify jobs run in worker slots of their own: a key server that takes its time holds
those, never the slots of the process's other jobs."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiohttp import web

from server.federation.activitypub.unverified import slots
from server.federation.activitypub.unverified.service import JOB_KIND
from server.jobs.registry import job_handlers
from server.jobs.worker import Worker
from tests.fakes.fediverse import FakeActor, FakeServer
from tests.federation.conftest import Local
from tests.federation.factories import make_member

INBOX = "http://ch.test/inbox"


def follow_of_ada(sender: FakeActor) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{sender.server.base}/{uuid.uuid4()}", "type": "Follow",
            "actor": sender.uri, "object": "http://ch.test/users/ada"}


def test_the_general_workers_skip_verify_jobs(local: Local) -> None:
    handlers = job_handlers()
    general = Worker(local.ctx, handlers, concurrency=4)
    deliveries = Worker(local.ctx, handlers, only=["federation.deliver"])
    workers = slots.with_own_slots(local.ctx, handlers, [general, deliveries])
    assert workers[:2] == [general, deliveries]
    assert JOB_KIND in general.skip and deliveries.only == ["federation.deliver"]
    own = workers[2]
    assert own.only == [JOB_KIND] and own.concurrency == slots.SLOTS
    assert slots.with_own_slots(local.ctx, handlers, []) == []  # a web-only process


async def until(check: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_a_slow_key_server_does_not_hold_up_other_jobs(local: Local,
                                                              mastodon: FakeServer) -> None:
    await make_member(local.db, local.config, local.clock, "ada")
    known = mastodon.add_actor("known")
    assert (await mastodon.deliver(known, follow_of_ada(known), to=INBOX))[0] == 202
    await local.worker.run_until_idle()  # its key is stored now
    slow = mastodon.add_actor("slow")
    answer = asyncio.Event()
    served = slow.document()

    async def slow_actor(request: web.Request) -> web.Response:
        await answer.wait()
        return web.json_response(served, content_type="application/activity+json")

    mastodon.custom["/users/slow"] = slow_actor
    # one general slot: without slots of their own, the verify job would take it
    handlers = job_handlers()
    workers = slots.with_own_slots(local.ctx, handlers,
                                   [Worker(local.ctx, handlers, concurrency=1)])
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run_forever(stop)) for w in workers]
    try:
        assert (await mastodon.deliver(slow, follow_of_ada(slow), to=INBOX))[0] == 202
        await until(lambda: _fetching(mastodon))
        assert (await mastodon.deliver(known, follow_of_ada(known), to=INBOX))[0] == 202

        async def processed() -> bool:
            return sum(i.state == "processed" for i in await local.inbox_items()) == 2

        await until(processed)  # while the key server still has not answered
        assert not answer.is_set()
        answer.set()

        async def all_processed() -> bool:
            items = await local.inbox_items()
            return len(items) == 3 and all(i.state == "processed" for i in items)

        await until(all_processed)
    finally:
        answer.set()
        stop.set()
        await asyncio.wait(tasks, timeout=10)


async def _fetching(server: FakeServer) -> bool:
    return server.fetches_of("/users/slow") >= 1
