"""The hub renders an update for its signed-in viewers before offering it, keeps messages in
the order they arrived while doing so, and hands ready events straight to an idle client
that can write them itself."""

from __future__ import annotations

import asyncio
from typing import Any

from server.streaming.hub import StreamClient, StreamEvent, StreamHub


def _hub(renderer: Any) -> StreamHub:
    # No database: these messages name public streams only, which need no query.
    return StreamHub(None, renderer=renderer)  # type: ignore[arg-type]


def _update(status_id: int) -> dict[str, Any]:
    return {"e": "update", "s": status_id, "t": ["public"], "h": False}


async def test_a_delete_waits_for_the_update_being_rendered() -> None:
    gate = asyncio.Event()
    rendered_for: list[frozenset[int]] = []

    async def renderer(status_id: int, viewers: frozenset[int]) -> dict[int, str]:
        rendered_for.append(viewers)
        await gate.wait()
        return {v: f'{{"id":"{status_id}"}}' for v in viewers}

    hub = _hub(renderer)
    ada, anonymous = StreamClient(7, {"public"}), StreamClient(None, {"public"})
    hub.add(ada)
    hub.add(anonymous)
    hub.submit(_update(1))
    hub.submit({"e": "delete", "s": 1})
    await asyncio.sleep(0.05)
    assert ada.queue.empty() and anonymous.queue.empty()
    gate.set()
    first = await asyncio.wait_for(ada.queue.get(), timeout=5)
    second = await asyncio.wait_for(ada.queue.get(), timeout=5)
    assert (first, second) == (StreamEvent("update", 1, ("public",)),
                               StreamEvent("delete", 1, ("public",)))
    assert first.audience is not None and first.audience.rendered is not None
    assert first.audience.rendered.result() == {7: '{"id":"1"}'}
    assert rendered_for == [frozenset({7})]    # one render, for the signed-in viewer only
    assert (await asyncio.wait_for(anonymous.queue.get(), timeout=5)).event == "update"
    await hub.stop()


async def test_ready_events_go_straight_to_an_idle_client() -> None:
    async def renderer(status_id: int, viewers: frozenset[int]) -> dict[int, str]:
        return {v: "{}" for v in viewers}

    sent: list[StreamEvent] = []
    client = StreamClient(7, {"public"}, send_now=lambda e: sent.append(e) is None)
    hub = _hub(renderer)
    hub.add(client)
    hub.submit(_update(1))
    for _ in range(100):
        if sent:
            break
        await asyncio.sleep(0.01)
    assert [e.ref for e in sent] == [1] and client.queue.empty()
    # While its task is still writing an earlier event, a new one queues behind it.
    client.sending = True
    hub.submit(_update(2))
    assert (await asyncio.wait_for(client.queue.get(), timeout=5)).ref == 2
    assert [e.ref for e in sent] == [1]
    await hub.stop()


async def test_next_event_takes_queued_events_then_beats() -> None:
    client = StreamClient(7, {"user"})
    client.offer(StreamEvent("delete", 5, ("user",)))
    assert await client.next_event(5) == StreamEvent("delete", 5, ("user",))
    assert client.sending
    assert await client.next_event(0.01) == "heartbeat"
    assert not client.sending
    waiting = asyncio.ensure_future(client.next_event(5))
    await asyncio.sleep(0.01)
    client.close()
    assert await asyncio.wait_for(waiting, timeout=1) is None
