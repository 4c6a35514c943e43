"""What an Accept or Reject answers. A follow request: by the Follow's id (ours, kept as
the request's uri), or by who followed whom when the Follow is embedded. A QuoteRequest: by
its id (quotes/answers.py). Only the followed (or quoted) actor can answer."""

from __future__ import annotations

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.db import Conn
from server.config import Config
from server.federation import uris
from server.federation import vocabulary as v
from server.follows import queries as follows_q
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.follows.queries import Follow
from server.quotes import answers as quote_answers
from server.quotes import local as quotes_local


def names_quote_request(activity: v.Accept | v.Reject, config: Config) -> bool:
    """Whether the answer is about a QuoteRequest: said so, or named only by an id of ours
    of the shape quotes/local.py gives them."""
    ref = activity.object
    return ref.type == "QuoteRequest" or (
        ref.type is None and quotes_local.is_request_uri(ref.uri)
        and uris.is_local(ref.uri, config))


async def quote_answer(ctx: InboxContext, activity: v.Accept | v.Reject, *,
                       accepted: bool) -> Outcome:
    actor = await remote_actors.get_or_fetch_actor(ctx.job, activity.actor_uri)
    result = activity.result if isinstance(activity, v.Accept) else None
    async with ctx.db.transaction() as conn:
        if not await quote_answers.answered(conn, actor=actor, request_uri=activity.object.uri,
                                            accepted=accepted, result=result, now=ctx.now()):
            return ignored("no pending quote request of ours to this actor matches")
    return PROCESSED


async def find_follow(conn: Conn, *, activity: v.Accept | v.Reject, actor: Account,
                      requests: bool) -> tuple[Follow, Account] | None:
    """The request (or, with requests=False, the follow) the answer is about, and our
    member who asked; None when there is none from one of ours to this actor."""
    by_uri = follows_q.get_follow_request_by_uri if requests else follows_q.get_follow_by_uri
    found = await by_uri(conn, uri=activity.object.uri)
    if found is None and activity.follow is not None \
            and activity.follow.object_uri == actor.uri:
        follower = await accounts_q.get_account_by_uri(conn, uri=activity.follow.actor_uri)
        if follower is not None and follower.local:
            by_pair = follows_q.get_follow_request if requests else follows_q.get_follow
            found = await by_pair(conn, account_id=follower.id, target_id=actor.id)
    if found is None or found.target_account_id != actor.id:
        return None
    follower = await accounts_q.get_account(conn, account_id=found.account_id)
    if follower is None or not follower.local:
        return None
    return found, follower
