"""QuoteRequest: someone elsewhere quotes one of our members' posts and asks leave to
(FEP-044f, as Mastodon 4.5 sends it). The quoting post (`instrument`) is stored first, as
its origin vouches for it, and must be the requester's and quote that very post; then the
request is granted or refused by server/quotes/requests.py, which answers it."""

from __future__ import annotations

from server.accounts import queries as accounts_q
from server.federation import uris
from server.federation import vocabulary as v
from server.federation.activitypub import remote_actors
from server.federation.activitypub.inbox import posts
from server.federation.activitypub.inbox.context import PROCESSED, InboxContext, Outcome, ignored
from server.quotes import queries as quotes_q
from server.quotes import requests
from server.statuses import queries as statuses_q
from server.statuses import remote
from server.statuses import service as statuses


async def handle_quote_request(ctx: InboxContext, activity: v.QuoteRequest) -> Outcome:
    if not uris.is_local(activity.object_uri, ctx.config):
        return ignored("QuoteRequest for a post that is not ours")
    if not uris.same_host(activity.id, activity.actor_uri):
        return ignored("the QuoteRequest's id is not on its actor's host")
    requester = await remote_actors.get_or_fetch_actor(ctx.job, activity.actor_uri)
    async with ctx.db.transaction() as conn:
        quoted = await statuses_q.get_status_by_uri(conn, uri=activity.object_uri)
        if quoted is None or not quoted.local:
            return ignored("QuoteRequest for a post we do not have")
        author = await accounts_q.get_account(conn, account_id=quoted.account_id)
        assert author is not None
        if not await statuses.may_quote(conn, quoted=quoted, account=requester):
            await requests.reject(conn, quoted_author=author, requester=requester,
                                  request=activity, now=ctx.now())
            return PROCESSED
        quoting = await statuses_q.get_status_by_uri(conn, uri=activity.instrument_uri)
    if quoting is None:
        note = await posts.verified_note(ctx.job, activity.instrument_note,
                                         object_uri=activity.instrument_uri,
                                         actor_uri=activity.actor_uri)
        await posts.resolve_mentions(ctx.job, note)
        async with ctx.db.transaction() as conn:
            await remote.store_remote_status(conn, note=note, author=requester,
                                             config=ctx.config, now=ctx.now())
    async with ctx.db.transaction() as conn:
        quoting = await statuses_q.get_status_by_uri(conn, uri=activity.instrument_uri)
        quote = await quotes_q.get_quote(conn, status_id=quoting.id) if quoting else None
        if quoting is None or quote is None or quoting.account_id != requester.id \
                or quote.quoted_uri != quoted.uri:
            return ignored("the instrument is not the requester's post quoting this post")
        await requests.accept(conn, quoted=quoted, quoted_author=author, requester=requester,
                              quoting=quoting, request=activity, now=ctx.now())
    return PROCESSED
