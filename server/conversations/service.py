"""Reading and removing a conversation (POST /api/v1/conversations/:id/read, DELETE
/api/v1/conversations/:id), as Mastodon's AccountConversation does: removing hides it until
a new status arrives in it; reading clears `unread` until then."""

from __future__ import annotations

from server.conversations import queries
from server.conversations.queries import ConversationRef
from server.db import Conn
from server.errors import NotFoundError


async def access_conversation(conn: Conn, *, account_id: int,
                              conversation_id: int) -> ConversationRef:
    found = await queries.get_conversation(conn, account_id=account_id,
                                           conversation_id=conversation_id)
    if found is None:
        raise NotFoundError("Record not found")
    return found


async def mark_read(conn: Conn, *, account_id: int, conversation_id: int) -> ConversationRef:
    found = await access_conversation(conn, account_id=account_id,
                                      conversation_id=conversation_id)
    await queries.mark_read(conn, account_id=account_id, conversation_id=conversation_id,
                            last_status_id=found.last_status_id)
    return ConversationRef(found.conversation_id, found.last_status_id, unread=False)


async def remove(conn: Conn, *, account_id: int, conversation_id: int) -> None:
    found = await access_conversation(conn, account_id=account_id,
                                      conversation_id=conversation_id)
    await queries.hide(conn, account_id=account_id, conversation_id=conversation_id,
                       last_status_id=found.last_status_id)
