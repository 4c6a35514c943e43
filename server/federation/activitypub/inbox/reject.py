"""Reject: a remote account declined one of our members' follow requests, ended an
accepted follow (removed the follower), or refused to let a member quote its post."""

from __future__ import annotations

from server.federation import vocabulary as v
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox import answers
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.follows import service as follows


async def handle_reject(ctx: InboxContext, activity: v.Reject) -> Outcome:
    if answers.names_quote_request(activity, ctx.config):
        return await answers.quote_answer(ctx, activity, accepted=False)
    if activity.object.type not in (None, "Follow"):
        return ignored(f"Reject of {activity.object.type!r} is not supported")
    actor = await remote_actors.get_or_fetch_actor(ctx.job, activity.actor_uri)
    async with ctx.db.transaction() as conn:
        found = await answers.find_follow(conn, activity=activity, actor=actor, requests=True)
        if found is not None:
            await follows.reject_request(conn, follower=found[1], target=actor, now=ctx.now())
            return PROCESSED
        found = await answers.find_follow(conn, activity=activity, actor=actor, requests=False)
        if found is None:
            return ignored("no follow of ours matches this Reject")
        await follows.unfollow(conn, follower=found[1], target=actor, now=ctx.now())
    return PROCESSED
