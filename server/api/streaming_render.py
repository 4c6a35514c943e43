"""Turning a hub event into what one connected client receives: the entity rendered for that
client's viewer, or nothing when the viewer may not see it (blocked, muted, not allowed)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from server.api.entities.announcements import render_announcement
from server.api.entities.conversations import render_conversations
from server.api.entities.notifications import render_notifications
from server.api.entities.statuses import render_status_for_viewers, render_statuses
from server.api.statusviews import queries as views_q
from server.clock import Clock
from server.config import Config
from server.conversations import queries as conversations_q
from server.db import Database
from server.governance.announcements import service as announcements
from server.notifications import queries as notifications_q
from server.jsonio import dumps
from server.streaming.hub import Audience, StreamClient, StreamEvent


@dataclass(frozen=True)
class Outgoing:
    stream: list[str]
    event: str
    payload: str | None


def stream_name(key: str) -> list[str]:
    """Hub stream keys as Mastodon names them in events: `hashtag:coop` -> ["hashtag", "coop"]."""
    for prefix in ("hashtag:local:", "hashtag:", "list:"):
        if key.startswith(prefix):
            return [prefix[:-1], key[len(prefix):]]
    return [key]


NOT_READY: Final = "not ready"


def ready_payload(event: StreamEvent, viewer_id: int | None) -> str | None:
    """An update's entity for this viewer from its audience's finished render (None: not
    for this viewer), or NOT_READY when there is no such render, or it failed."""
    audience = event.audience
    rendered = audience.rendered if audience is not None else None
    if (event.event != "update" or rendered is None or viewer_id not in audience.viewer_ids  # type: ignore[union-attr]
            or not rendered.done() or rendered.cancelled() or rendered.exception() is not None):
        return NOT_READY
    return rendered.result().get(viewer_id)  # type: ignore[arg-type]


def ready_outgoing(client: StreamClient, event: StreamEvent) -> Outgoing | None | str:
    """What the client receives, when that is known without the database: deletes, filter
    changes, announcements and updates whose audience was rendered already (None: nothing for this viewer).
    NOT_READY otherwise, or when the audience's render failed (render_event reports it)."""
    stream = stream_name(event.stream[0]) if event.stream else []
    if event.event == "delete":
        return Outgoing(stream, "delete", str(event.ref))
    if event.event == "filters_changed":
        return Outgoing(stream, "filters_changed", None)
    if event.payload is not None:
        return Outgoing(stream, event.event, event.payload)
    payload = ready_payload(event, client.account_id)
    if payload is NOT_READY or payload is None:
        return payload
    return Outgoing(stream, event.event, payload)


async def render_event(db: Database, config: Config, clock: Clock, client: StreamClient,
                       event: StreamEvent) -> Outgoing | None:
    ready = ready_outgoing(client, event)
    if ready is not NOT_READY:
        return ready  # type: ignore[return-value]
    stream = stream_name(event.stream[0]) if event.stream else []
    viewer_id = client.account_id
    now = clock.now()
    audience = event.audience
    if event.event == "update" and audience is not None and viewer_id in audience.viewer_ids:
        if audience.rendered is None:
            audience.rendered = asyncio.ensure_future(
                _render_for_audience(db, config, now, event.ref, audience))
        rendered = audience.rendered
        # shielded: this client going away must not cancel the others' copies
        payloads = rendered.result() if rendered.done() else await asyncio.shield(rendered)
        payload = payloads.get(viewer_id)
        return Outgoing(stream, event.event, payload) if payload is not None else None
    async with db.acquire() as conn:
        if event.event in ("update", "status.update"):
            visible = await views_q.filter_visible(conn, status_ids=[event.ref], viewer_id=viewer_id,
                                                   hide_muted=viewer_id is not None, now=now)
            if event.ref not in visible:
                return None
            rendered = await render_statuses(conn, config, [event.ref], viewer_id=viewer_id, now=now)
            if not rendered:
                return None
            return Outgoing(stream, event.event, json.dumps(rendered[0]))
        if event.event == "conversation" and viewer_id is not None:
            # The conversation as the list now shows it (a new status brings back one the
            # viewer had removed, and is unread unless the viewer wrote it).
            conversation_id = await views_q.get_conversation_of(conn, status_id=event.ref)
            found = conversation_id and await conversations_q.get_conversation(
                conn, account_id=viewer_id, conversation_id=conversation_id)
            if not found:
                return None
            rendered = await render_conversations(conn, config, [found], viewer_id=viewer_id,
                                                  now=now)
            return Outgoing(stream, "conversation", json.dumps(rendered[0]))
        if event.event == "notification" and viewer_id is not None:
            row = await notifications_q.get_notification(conn, notification_id=event.ref,
                                                         account_id=viewer_id)
            rendered = await render_notifications(conn, config, [row] if row else [],
                                                  viewer_id=viewer_id, now=now)
            return Outgoing(stream, "notification", json.dumps(rendered[0])) if rendered else None
    return None


async def announcement_payload(db: Database, config: Config, clock: Clock,
                               announcement_id: int) -> str | None:
    """The hub's announcer: the announcement as every signed-in client receives it."""
    async with db.acquire() as conn:
        item = await announcements.get_announcement(conn, config, announcement_id=announcement_id,
                                                    now=clock.now())
    return dumps(render_announcement(item, for_viewer=False)) if item is not None else None


async def render_update(db: Database, config: Config, clock: Clock, status_id: int,
                        viewer_ids: frozenset[int]) -> dict[int, str]:
    """The hub's renderer: a new status for all the signed-in viewers it is offered to."""
    return await _render_for_audience(db, config, clock.now(), status_id, Audience(viewer_ids))


async def _render_for_audience(db: Database, config: Config, now: datetime, status_id: int,
                               audience: Audience) -> dict[int, str]:
    async with db.acquire() as conn:
        entities = await render_status_for_viewers(conn, config, status_id,
                                                   viewer_ids=sorted(audience.viewer_ids), now=now)
    encoded: dict[int, str] = {}   # id(entity) -> JSON: a shared entity is encoded once
    return {viewer: encoded.get(id(entity)) or encoded.setdefault(id(entity), dumps(entity))
            for viewer, entity in entities.items()}
