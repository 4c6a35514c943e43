"""The inbound Create handler's first question: is this Note a vote on one of our polls?

`handle_vote_create` is meant to be called at the top of the Create(Note) handler; it
returns the inbox item's outcome when the Note was a vote (recorded, or deliberately not
counted), and None when the Note is an ordinary post for the handler to store.
"""

from __future__ import annotations

from server.federation import vocabulary
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome
from server.polls.federation import receive_vote


async def handle_vote_create(ctx: InboxContext, activity: vocabulary.Create) -> Outcome | None:
    note = activity.note
    if not note.name or not note.in_reply_to:
        return None
    voter = await remote_actors.get_or_fetch_actor(ctx.job, activity.actor_uri)
    async with ctx.db.transaction() as conn:
        if await receive_vote(conn, actor=voter, note=note, now=ctx.now()):
            return PROCESSED
    return None
