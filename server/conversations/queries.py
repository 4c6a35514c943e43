"""SQL for conversation state (read, removed)."""

from __future__ import annotations

from dataclasses import dataclass

from server.db import Conn, load_queries

Q = load_queries("server.conversations")


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """A conversation as one participant sees it: its id (the thread's), its last status
    and whether that is unread."""
    conversation_id: int
    last_status_id: int
    unread: bool


async def get_conversation(conn: Conn, *, account_id: int,
                           conversation_id: int) -> ConversationRef | None:
    row = await conn.fetchrow(Q["get_conversation"], account_id, conversation_id)
    return ConversationRef(**dict(row)) if row else None


async def mark_read(conn: Conn, *, account_id: int, conversation_id: int,
                    last_status_id: int) -> None:
    await conn.execute(Q["mark_read"], account_id, conversation_id, last_status_id)


async def hide(conn: Conn, *, account_id: int, conversation_id: int, last_status_id: int) -> None:
    await conn.execute(Q["hide"], account_id, conversation_id, last_status_id)
