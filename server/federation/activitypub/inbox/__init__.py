"""Inbox handlers: one module per activity type, found through one explicit table.

A handler gets the InboxContext (the job's context and the stored item) and the parsed
activity, opens its own short transactions (never one across a fetch), and returns an
Outcome: processed, or ignored with the reason. It raises MalformedActivityError or another
CommonholdError when the activity cannot be accepted (the item ends `failed` with that
message), and a retryable FetchError when a remote server is down (the job retries).

Types in PENDING are parsed but have no handler yet; such activities are stored and end
`ignored` ("not handled yet").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from server.federation.activitypub.inbox import (
    accept,
    announce,
    block,
    create,
    delete,
    flag,
    follow,
    like,
    move,
    quote_request,
    reject,
    undo,
    update,
)
from server.federation.activitypub.inbox.context import (
    NOT_HANDLED_YET,
    InboxContext,
    Outcome,
    ignored,
)

Handler = Callable[[InboxContext, Any], Awaitable[Outcome]]

HANDLERS: Mapping[str, Handler] = {
    "Accept": accept.handle_accept,
    "Announce": announce.handle_announce,
    "Block": block.handle_block,
    "Create": create.handle_create,
    "Delete": delete.handle_delete,
    "Flag": flag.handle_flag,
    "Follow": follow.handle_follow,
    "Like": like.handle_like,
    "Move": move.handle_move,
    "QuoteRequest": quote_request.handle_quote_request,
    "Reject": reject.handle_reject,
    "Undo": undo.handle_undo,
    "Update": update.handle_update,
}

# Parsed already (activitypub/parse.py), handled once their services exist.
PENDING: tuple[str, ...] = ()


async def dispatch(ctx: InboxContext, activity: Any) -> Outcome:
    handler = HANDLERS.get(ctx.item.type)
    if handler is None:
        if ctx.item.type in PENDING:
            return ignored(f"{NOT_HANDLED_YET}: {ctx.item.type}")
        return ignored(f"activity type {ctx.item.type!r} is not supported")
    return await handler(ctx, activity)
