"""Polls attached to statuses (Mastodon's polls, not governance proposals)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.db import Conn
from server.ids import new_id
from server.statuses import queries
from server.statuses.compose import PollDraft


async def create_poll(conn: Conn, *, status_id: int, account_id: int, draft: PollDraft,
                      now: datetime) -> int:
    poll_id = new_id()
    await queries.insert_poll(
        conn, poll_id=poll_id, status_id=status_id, account_id=account_id,
        options=[o.strip() for o in draft.options], multiple=draft.multiple,
        hide_totals=draft.hide_totals, expires_at=now + draft.expires_in, now=now)
    await _close_on_time(conn, poll_id=poll_id, expires_at=now + draft.expires_in, now=now)
    return poll_id


async def edit_poll(conn: Conn, *, status_id: int, account_id: int, current: dict[str, Any] | None,
                    draft: PollDraft | None, now: datetime) -> None:
    """An edit's poll, as Mastodon edits one: none given removes it; other options (or
    single/multiple changed) clear the votes, which were for other choices; the poll runs
    for `expires_in` from now."""
    if draft is None:
        if current is not None:
            await queries.delete_poll(conn, poll_id=current["id"])
        return
    if current is None:
        await create_poll(conn, status_id=status_id, account_id=account_id, draft=draft, now=now)
        return
    options = [o.strip() for o in draft.options]
    if options != list(current["options"]) or draft.multiple != current["multiple"]:
        await queries.delete_poll_votes(conn, poll_id=current["id"])
    expires_at = now + draft.expires_in
    await queries.update_poll(conn, poll_id=current["id"], options=options,
                              multiple=draft.multiple, hide_totals=draft.hide_totals,
                              expires_at=expires_at, now=now)
    await _close_on_time(conn, poll_id=current["id"], expires_at=expires_at, now=now)


async def _close_on_time(conn: Conn, *, poll_id: int, expires_at: datetime, now: datetime) -> None:
    from server.polls.service import schedule_expiry  # polls.service imports statuses

    await schedule_expiry(conn, poll_id=poll_id, expires_at=expires_at, now=now)
