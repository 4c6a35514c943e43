"""Finding the follow request an Accept or Reject answers: by the Follow's id (ours, kept as
the request's uri), or by who followed whom when the Follow is embedded. Only the followed
actor can answer."""

from __future__ import annotations

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.db import Conn
from server.federation import vocabulary as v
from server.follows import queries as follows_q
from server.follows.queries import Follow


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
