"""What the inbox handler tests look at: a member's home timeline and notifications, stored
posts, and Mastodon-shaped activities made for a fake actor."""

from __future__ import annotations

import copy
from typing import Any

from server.notifications import queries as notifications_q
from server.statuses import queries as statuses_q
from server.timeline import queries as timeline_q
from tests.fakes.fediverse import FakeActor, payload
from tests.federation.conftest import Local


async def home(local: Local, account_id: int) -> list[int]:
    async with local.db.acquire() as conn:
        return await timeline_q.list_home_timeline(conn, account_id=account_id, max_id=None,
                                                   since_id=None, min_id=None, limit=40,
                                                   now=local.clock.now())


async def notifications(local: Local, account_id: int) -> list[tuple[str, int | None]]:
    async with local.db.acquire() as conn:
        rows = await notifications_q.list_notifications_for(conn, account_id=account_id)
    return [(r["type"], r["status_id"]) for r in rows]


async def status(local: Local, uri: str) -> statuses_q.Status | None:
    async with local.db.acquire() as conn:
        return await statuses_q.get_status_by_uri(conn, uri=uri)


async def fetch(local: Local, query: str, *args: Any) -> list[dict[str, Any]]:
    async with local.db.acquire() as conn:
        return [dict(r) for r in await conn.fetch(query, *args)]


def create_note(actor: FakeActor, number: int, *, fixture: str = "create_note",
                **fields: Any) -> dict[str, Any]:
    """The captured Create, re-addressed to `actor` and given post number `number`."""
    doc = copy.deepcopy(payload(f"mastodon/{fixture}.json"))
    old = doc["object"]["id"]
    note_uri = f"{actor.uri}/statuses/{number}"
    text = _replace(doc, old, note_uri)
    text = _replace(text, "http://mastodon.test/users/alice", actor.uri)
    text["object"].update(fields)
    return text


def _replace(doc: Any, old: str, new: str) -> Any:
    if isinstance(doc, str):
        return doc.replace(old, new)
    if isinstance(doc, list):
        return [_replace(x, old, new) for x in doc]
    if isinstance(doc, dict):
        return {k: _replace(v, old, new) for k, v in doc.items()}
    return doc
