"""The Conversation entity (Mastodon's REST::ConversationSerializer), for the conversations
list and the `direct` stream alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.api.entities.accounts import render_accounts
from server.api.entities.statuses import render_statuses
from server.api.statusviews import queries as views_q
from server.config import Config
from server.conversations.queries import ConversationRef
from server.db import Conn


async def render_conversations(conn: Conn, config: Config, found: list[ConversationRef], *,
                               viewer_id: int, now: datetime) -> list[dict[str, Any]]:
    """One entity per conversation, in the order given; the accounts are the other
    participants."""
    people = await views_q.list_conversation_participants(
        conn, conversation_ids=[c.conversation_id for c in found])
    accounts = await render_accounts(conn, config, [a for _, a in people])
    statuses = {int(s["id"]): s for s in await render_statuses(
        conn, config, [c.last_status_id for c in found], viewer_id=viewer_id, now=now)}
    body = []
    for conversation in found:
        others = sorted({a for c, a in people
                         if c == conversation.conversation_id and a != viewer_id})
        body.append({"id": str(conversation.conversation_id), "unread": conversation.unread,
                     "accounts": [accounts[a] for a in others if a in accounts],
                     "last_status": statuses.get(conversation.last_status_id)})
    return body
