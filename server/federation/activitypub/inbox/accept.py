"""Accept: a remote account accepted one of our members' follow requests, or let a member
quote its post (an Accept of our QuoteRequest, see quotes/answers.py)."""

from __future__ import annotations

from server.federation import vocabulary as v
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox import answers
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.follows import service as follows


async def handle_accept(ctx: InboxContext, activity: v.Accept) -> Outcome:
    if answers.names_quote_request(activity, ctx.config):
        return await answers.quote_answer(ctx, activity, accepted=True)
    if activity.object.type not in (None, "Follow"):
        return ignored(f"Accept of {activity.object.type!r} is not supported")
    actor = await remote_actors.get_or_fetch_actor(ctx.job, activity.actor_uri)
    async with ctx.db.transaction() as conn:
        found = await answers.find_follow(conn, activity=activity, actor=actor, requests=True)
        if found is None:
            return ignored("no follow request of ours matches this Accept")
        _, follower = found
        await follows.accept_request(conn, follower=follower, target=actor, now=ctx.now())
    return PROCESSED
