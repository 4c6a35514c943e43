"""Polls attached to statuses (Mastodon's polls, not governance proposals)."""

from __future__ import annotations

from datetime import datetime

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
    from server.polls.service import schedule_expiry  # polls.service imports statuses

    await schedule_expiry(conn, poll_id=poll_id, expires_at=now + draft.expires_in, now=now)
    return poll_id
