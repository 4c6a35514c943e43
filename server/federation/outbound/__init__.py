"""Outbound federation: our members' actions as ActivityPub activities to other servers.

Every job kind here is subscribed to a domain event in server/events.py; an occurrence
that names nobody on another server queues them only when its author has followers
elsewhere (events.Reach), so most local posts of a small server queue none. A handler checks
that the acting account is local (events for remote actors' actions came in through the
inbox), builds the activity with activitypub/serialize.py and outbound/activities.py, and
queues one durable signed POST per target inbox with delivery.enqueue_deliveries (the shared
inbox of a server, so one POST per server however many followers live there).

    status.created          send_create        Create(Note|Question): followers' servers,
                                               mentioned, replied-to (direct: mentioned only)
    status.updated          send_update        Update(Note), same audience
    status.deleted          send_delete        Delete(Tombstone), same audience + boosters
    status.reblogged        send_announce      Announce: booster's followers + original author
    status.unreblogged      send_undo_announce Undo(Announce), same audience
    status.favourited       send_like          Like of a remote status, to its author
    status.unfavourited     send_undo_like     Undo(Like)
    follow.requested        send_follow        Follow (local follower, remote target)
    follow.removed          send_undo_follow   Undo(Follow)
    follow.created          send_accept        Accept(Follow) (remote follower, local target)
    follow.request_rejected send_reject        Reject(Follow) (refused follow request)
    follower.removed        send_reject        Reject(Follow) (removed follower)
    block.created           send_block         Block
    block.removed           send_undo_block    Undo(Block)
    account.updated         send_actor_update  Update(Person) to followers' servers
    (status.created)        send_quote_request  QuoteRequest to the quoted author, when a
                                               member's post quotes a post elsewhere
    (quote withdrawn)       send_quote_revocation  Delete of our stamp, when a member takes
                                               back a quote of their post from elsewhere
    report.created          send_flag          Flag from the instance actor, when the member
                                               asked to forward a report about a remote account
"""

from __future__ import annotations

from collections.abc import Mapping

from server.federation.outbound import accounts, follows, reports, statuses
from server.jobs.registry import JobHandler

HANDLERS: Mapping[str, JobHandler] = {
    "federation.send_create": statuses.send_create,
    "federation.send_update": statuses.send_update,
    "federation.send_delete": statuses.send_delete,
    "federation.send_announce": statuses.send_announce,
    "federation.send_undo_announce": statuses.send_undo_announce,
    "federation.send_like": statuses.send_like,
    "federation.send_undo_like": statuses.send_undo_like,
    "federation.send_follow": follows.send_follow,
    "federation.send_undo_follow": follows.send_undo_follow,
    "federation.send_accept": follows.send_accept,
    "federation.send_reject": follows.send_reject,
    "federation.send_block": follows.send_block,
    "federation.send_undo_block": follows.send_undo_block,
    "federation.send_actor_update": accounts.send_actor_update,
    "federation.send_flag": reports.send_flag,
    "federation.send_quote_request": statuses.send_quote_request,
    "federation.send_quote_revocation": statuses.send_quote_revocation,
}
