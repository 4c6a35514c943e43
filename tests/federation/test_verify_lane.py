"""The verify lane yields to the web side: while requests pile up and the event loop runs
late, verify jobs run at the floor; afterwards every held POST is verified, forged ones are
still dropped, and a full backlog still answers 503."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import timedelta
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from server.federation.activitypub.unverified import load, load_signal, slots
from server.federation.activitypub.unverified import queries as unverified_q
from server.federation.activitypub.unverified import service as unverified
from server.jobs.registry import job_handlers
from tests.fakes.fediverse import FakeActor, FakeServer
from tests.federation.conftest import Local
from tests.federation.factories import make_member

INBOX = "http://ch.test/inbox"


class Ticker:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_saturated_needs_requests_piling_up_and_a_late_loop() -> None:
    clock = Ticker()
    gauge = load.WebLoad(now=clock)
    for _ in range(40):
        gauge.enter()
    clock.t += 1.5 * load.WINDOW_SECONDS
    assert not gauge.saturated()          # many waiting, but the loop is on time
    gauge.note_lag(0.05)
    assert gauge.saturated()
    for _ in range(40):
        gauge.leave()
    clock.t += 1.5 * load.WINDOW_SECONDS
    assert not gauge.saturated()          # late loop, nothing waiting: the lane's own work
    for _ in range(4):
        gauge.enter()
    clock.t += 3 * load.WINDOW_SECONDS
    assert not gauge.saturated() and gauge.level == pytest.approx(4)  # a load kept up with


def test_lag_falls_gradually() -> None:
    gauge = load.WebLoad(now=Ticker())
    gauge.note_lag(0.04)
    gauge.note_lag(0.0)
    assert gauge.lag == pytest.approx(0.02)
    gauge.note_lag(0.03)
    assert gauge.lag == pytest.approx(0.03)


def test_saturated_when_known_rows_wait_for_the_database() -> None:
    # neither late nor busy: the process waits for PostgreSQL (its core shared with the
    # key servers, the load and the lane's own statements), known senders' rows queue up
    clock, cpu = Ticker(), Ticker()
    gauge = load.WebLoad(now=clock, cpu=cpu)
    queued = [0]
    gauge.watch_queue(lambda: queued[0])
    for _ in range(40):
        gauge.enter()

    def probes(rows: int) -> None:
        queued[0] = rows
        for _ in range(load.CPU_PROBES):
            clock.t += load.PROBE_SECONDS
            cpu.t += 0.5 * load.PROBE_SECONDS
            gauge.note_cpu()

    probes(10)   # a write or so behind: kept up with
    assert not gauge.saturated()
    probes(int(load.BUSY_QUEUE) + 50)
    assert gauge.saturated() and gauge.queue_level >= load.BUSY_QUEUE
    for _ in range(40):
        gauge.leave()
    clock.t += 1.5 * load.WINDOW_SECONDS
    assert not gauge.saturated()            # rows waiting, no requests: not the web side
    gauge.watch_queue(None)
    assert gauge.queue_level == 0.0


def test_the_lane_runs_at_its_floor_while_saturated(local: Local) -> None:
    clock = Ticker()
    gauge = load.WebLoad(now=clock)
    worker = slots.VerifyWorker(local.ctx, job_handlers(), load=gauge)
    assert worker.concurrency == slots.SLOTS and worker.only == [unverified.JOB_KIND]
    for _ in range(int(load.BUSY_REQUESTS) + 1):
        gauge.enter()
    clock.t += 1.5 * load.WINDOW_SECONDS
    gauge.note_lag(1.0)
    assert worker.concurrency == 1          # one job may start now ...
    worker._last_start = time.monotonic()   # ... as the lane does when it starts one
    worker._active = 1
    assert worker.concurrency == 1          # and no second before the pace allows
    worker._last_start -= 1.0 / slots.FLOOR_RATE
    assert worker.concurrency == 2 == slots.FLOOR_SLOTS
    worker._active = 2
    worker._last_start -= 1.0
    assert worker.concurrency == 2          # never above the floor's slots


def test_saturated_when_busy_on_a_core_of_its_own() -> None:
    # the loop keeps its timers (no lag) but the process uses its whole core
    clock, cpu = Ticker(), Ticker()
    gauge = load.WebLoad(now=clock, cpu=cpu)
    for _ in range(40):
        gauge.enter()
    for _ in range(load.CPU_PROBES + 1):
        clock.t += load.PROBE_SECONDS
        cpu.t += 0.5 * load.PROBE_SECONDS
        gauge.note_cpu()
    assert gauge.cpu_share == pytest.approx(0.5) and not gauge.saturated()
    for _ in range(load.CPU_PROBES + 1):
        clock.t += load.PROBE_SECONDS
        cpu.t += 0.95 * load.PROBE_SECONDS
        gauge.note_cpu()
    assert gauge.saturated()
    for _ in range(40):
        gauge.leave()
    clock.t += 1.5 * load.WINDOW_SECONDS
    assert not gauge.saturated()   # busy with nothing waiting: the lane's own work


def follow_of_ada(sender: FakeActor) -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{sender.server.base}/{uuid.uuid4()}", "type": "Follow",
            "actor": sender.uri, "object": "http://ch.test/users/ada"}


class KeyServer:
    """Serves actor documents after `delay`, counting how many are fetched at once."""

    def __init__(self, delay: float) -> None:
        self.delay, self.now, self.peak, self.started = delay, 0, 0, 0

    def serve(self, server: FakeServer, actor: FakeActor) -> None:
        async def slow(request: web.Request) -> web.Response:
            self.started += 1
            self.now += 1
            self.peak = max(self.peak, self.now)
            try:
                await asyncio.sleep(self.delay)
                return web.json_response(actor.document(), content_type="application/activity+json")
            finally:
                self.now -= 1

        server.custom[f"/users/{actor.name}"] = slow


async def held_body(body: bytes, release: asyncio.Event) -> AsyncIterator[bytes]:
    """A body sent in two parts, the second once `release` is set: the request stays in its
    handler (reading) meanwhile, as a request waiting for the CPU would."""
    yield body[:10]
    await release.wait()
    yield body[10:]


async def until(check: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_under_a_burst_of_known_posts_verification_waits_then_catches_up(
        local: Local, mastodon: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    await make_member(local.db, local.config, local.clock, "ada")
    known = mastodon.add_actor("known")
    assert (await mastodon.deliver(known, follow_of_ada(known), to=INBOX))[0] == 202
    await local.worker.run_until_idle()  # its key is stored now
    # Saturation as this test's loop can show it: 4 requests held in their handlers. The
    # loop's lateness is required too (see the first test); here any lag counts.
    monkeypatch.setattr(load, "BUSY_REQUESTS", 3.0)
    monkeypatch.setattr(load, "BUSY_LAG_SECONDS", 0.0)
    monkeypatch.setattr(slots, "FLOOR_SLOTS", 1)
    monkeypatch.setattr(unverified, "MAX_PER_HOST", 7)
    # slow enough that the first job, started at once, still holds its row when the
    # backlog bound is tested below
    keys = KeyServer(delay=1.0)
    new = [mastodon.add_actor(f"new{n}") for n in range(6)]
    forger = mastodon.add_actor("forger")
    for actor in [*new, forger]:
        keys.serve(mastodon, actor)
    dropped = unverified.DROPPED["bad_signature"]
    worker = slots.VerifyWorker(local.ctx, job_handlers())
    stop, release = asyncio.Event(), asyncio.Event()
    lane = asyncio.create_task(worker.run_forever(stop))
    held = []
    try:
        for _ in range(4):
            body = json.dumps(follow_of_ada(known)).encode()
            held.append(asyncio.create_task(mastodon.post_signed(
                known, body, to=INBOX, send_body=held_body(body, release))))  # type: ignore[arg-type]
        await until(lambda: _true(load.WEB.in_flight >= 4))
        await asyncio.sleep(2 * load.WINDOW_SECONDS)
        for actor in new:
            assert (await mastodon.deliver(actor, follow_of_ada(actor), to=INBOX))[0] == 202
        assert (await mastodon.deliver(forger, follow_of_ada(forger), to=INBOX,
                                       private_key=known.private_key))[0] == 202
        # the backlog bound still answers (7 wait on this host)
        late = mastodon.add_actor("late")
        assert (await mastodon.deliver(late, follow_of_ada(late), to=INBOX))[0] == 503
        await asyncio.sleep(0.5)
        assert keys.peak == 1 and keys.started >= 1   # at the floor, yet moving
        assert await _waiting(local) >= 3
        assert await _any_web_saturated(local)         # and told to workers elsewhere
        release.set()
        assert [status for status, _ in await asyncio.gather(*held)] == [202] * 4
        await until(lambda: _none_waiting(local))
        assert keys.peak >= 2                          # all the lane's slots again
    finally:
        release.set()
        stop.set()
        await asyncio.wait([lane, *held], timeout=10)
    await local.worker.run_until_idle()
    items = await local.inbox_items()
    assert {i.actor_uri for i in items} == {known.uri, *(a.uri for a in new)}
    assert all(i.state == "processed" for i in items) and len(items) == 1 + 4 + 6
    assert unverified.DROPPED["bad_signature"] == dropped + 1  # the forger's


async def _true(value: bool) -> bool:
    return value


async def _waiting(local: Local) -> int:
    async with local.db.acquire() as conn:
        return await unverified_q.count_unverified(conn)


async def _none_waiting(local: Local) -> bool:
    return await _waiting(local) == 0


async def test_the_lane_claims_its_own_kind_in_order_past_other_queued_jobs(local: Local) -> None:
    now = local.clock.now()
    async with local.db.acquire() as conn:
        await conn.execute(
            "INSERT INTO jobs (kind, payload, run_at, created_at) SELECT "
            "'federation.process_inbox_item', '{}', $1, $1 FROM generate_series(1, 50)", now)
        await conn.execute(
            "INSERT INTO jobs (kind, payload, run_at, ordering_key, created_at) SELECT $2, "
            "jsonb_build_object('n', g), $1, 'lane', $1 FROM generate_series(1, 2) g",
            now, unverified.JOB_KIND)
        claimed = await unverified_q.finish_and_claim_verify_jobs(
            conn, finished_ids=[], now=now, limit=10, locked_until=now + timedelta(minutes=5))
    # one lane: the second waits for the first, and nothing of another kind is taken
    assert [(job.kind, job.payload) for job in claimed] == [(unverified.JOB_KIND, {"n": 1})]


async def test_a_request_counts_until_its_answer_starts(aiohttp_client: Any) -> None:
    """A stream counts until its headers go out: an open, quiet stream costs no CPU."""
    streaming, answered, release = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        streaming.set()
        await release.wait()
        await response.write(b"done")
        return response

    async def slow(request: web.Request) -> web.Response:
        answered.set()
        await release.wait()
        return web.Response(text="ok")

    app = web.Application()
    load.install(app)
    app.router.add_get("/stream", stream)
    app.router.add_get("/slow", slow)
    client = await aiohttp_client(app)
    before = load.WEB.in_flight
    streams = asyncio.create_task(client.get("/stream"))
    await streaming.wait()
    assert load.WEB.in_flight == before
    slows = asyncio.create_task(client.get("/slow"))
    await answered.wait()
    assert load.WEB.in_flight == before + 1
    release.set()
    for task in (streams, slows):
        response = await task
        await response.read()
    assert load.WEB.in_flight == before


def test_the_total_backlog_is_recounted_rarely_only_far_from_its_bound(
        monkeypatch: pytest.MonkeyPatch) -> None:
    db = Ticker()  # any object the per-database cache can key on
    assert unverified._total_due(db)                       # never counted
    unverified._last_total[db] = (unverified.time.monotonic(), 10)
    assert not unverified._total_due(db)                   # far below, just counted
    unverified._last_total[db] = (unverified.time.monotonic(),
                                  unverified.MAX_TOTAL - unverified.TOTAL_MARGIN)
    assert unverified._total_due(db)                       # near the bound: every POST
    unverified._last_total[db] = (unverified.time.monotonic() - 1.0, 10)
    assert unverified._total_due(db)                       # far below, but a while ago
    monkeypatch.setattr(unverified, "MAX_TOTAL", 3)
    unverified._last_total[db] = (unverified.time.monotonic(), 0)
    assert unverified._total_due(db)                       # a small bound: always


async def _any_web_saturated(local: Local) -> bool:
    async with local.db.acquire() as conn:
        return await unverified_q.any_web_saturated(conn)


async def _written(publisher: load_signal.Publisher) -> None:
    if publisher._writing is not None:
        await publisher._writing


async def test_a_saturated_web_process_says_so_until_calm_or_until_it_stops_refreshing(
        local: Local) -> None:
    web_1 = load_signal.Publisher(local.db, load=load.WebLoad(), process="web-1")
    web_2 = load_signal.Publisher(local.db, load=load.WebLoad(), process="web-2")
    assert not await _any_web_saturated(local)
    web_1._paced()          # what the probe calls while the web side is saturated
    await _written(web_1)
    assert await _any_web_saturated(local)
    web_1._paced()          # refreshed at most every REFRESH_SECONDS: nothing written now
    assert web_1._writing is None
    web_2._paced()
    await _written(web_2)
    web_1._calm()
    await _written(web_1)
    assert await _any_web_saturated(local)      # web-2 still is: any saturated one counts
    async with local.db.acquire() as conn:      # web-2 stops refreshing (it crashed)
        await conn.execute("UPDATE web_load SET saturated_until = now() - interval '1 second'"
                           " WHERE process = 'web-2'")
    assert not await _any_web_saturated(local)  # its word expired by itself
    web_1._paced()
    await _written(web_1)
    await web_1.close()                         # a stopping process is calm
    assert not await _any_web_saturated(local)


async def test_a_lane_without_requests_yields_while_a_web_process_says_it_is_saturated(
        local: Local, mastodon: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """As in `commonhold worker`: the lane's own gauge never sees a request; a web process's
    row holds it at its floor, and once that process stops refreshing it, the lane has all
    its slots again and verifies everything held."""
    await make_member(local.db, local.config, local.clock, "ada")
    monkeypatch.setattr(slots, "FLOOR_SLOTS", 1)
    keys = KeyServer(delay=0.5)
    new = [mastodon.add_actor(f"new{n}") for n in range(8)]
    for actor in new:
        keys.serve(mastodon, actor)
    web_side = load_signal.Publisher(local.db, load=load.WebLoad(), process="web-1")
    saturated, stop = asyncio.Event(), asyncio.Event()

    async def refresh() -> None:  # what a saturated web process's probe does
        while not saturated.is_set():
            web_side._paced()
            await asyncio.sleep(0.05)

    refreshing = asyncio.create_task(refresh())
    await until(lambda: _any_web_saturated(local))
    worker = slots.VerifyWorker(local.ctx, job_handlers(), load=load.WebLoad())
    lane = asyncio.create_task(worker.run_forever(stop))
    try:
        for actor in new:
            assert (await mastodon.deliver(actor, follow_of_ada(actor), to=INBOX))[0] == 202
        await asyncio.sleep(1.0)
        assert keys.peak == 1 and keys.started >= 1   # at the floor, yet moving
        assert await _waiting(local) >= 4
        saturated.set()   # the web process stops refreshing: its row expires by itself
        await refreshing
        await until(lambda: _none_waiting(local))
        assert keys.peak >= 2                          # all the lane's slots again
    finally:
        saturated.set()
        stop.set()
        await asyncio.wait([lane, refreshing], timeout=10)
    await local.worker.run_until_idle()
    items = await local.inbox_items()
    assert {i.actor_uri for i in items} == {a.uri for a in new}


def test_one_probe_per_process_however_many_listen_and_a_new_loop_gets_its_own() -> None:
    gauge = load.WebLoad()

    async def listen_twice() -> Any:
        stop_a = gauge.listen(lambda: None)
        gauge.listen(lambda: None, lambda: None)
        probe = gauge._probing
        stop_a()
        assert gauge._probing is probe and not probe.done()   # one listener left
        return probe                                          # b never stops (a crash)

    first = asyncio.run(listen_twice())
    assert first.done()  # its loop closed

    async def listen_again() -> bool:
        stop = gauge.listen(lambda: None)
        probe = gauge._probing
        running = probe is not None and probe is not first and not probe.done()
        stop()
        return running

    assert asyncio.run(listen_again())
