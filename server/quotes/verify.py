"""Job `federation.verify_quote`: a remote post quotes a post we do not have, or names an
authorisation stamp from another server. Fetch the quoted post (stored as any fetched post
is), then the stamp, and believe the stamp only when it checks out as FEP-044f says: a
`QuoteAuthorization` served from the quoted author's host, attributed to the quoted
author, naming this quoting post (`interactingObject`) and the quoted post
(`interactionTarget`). A stamp that is gone (404/410) means refused; one that does not
match leaves the quote pending; a server that is down is asked again later.
"""

from __future__ import annotations

import logging
from typing import Any

from server.accounts import queries as accounts_q
from server.federation import uris
from server.federation.activitypub import threads
from server.federation.activitypub.fetch import FetchNotFoundError, fetch_object, for_job
from server.federation.activitypub.parse import uri_of
from server.jobs.context import JobContext
from server.quotes import queries as q
from server.statuses import queries as statuses_q

log = logging.getLogger(__name__)


async def verify_quote(ctx: JobContext, payload: dict[str, Any]) -> None:
    status_id = int(payload["status_id"])
    async with ctx.db.acquire() as conn:
        quote = await q.get_quote(conn, status_id=status_id)
        quoting = await statuses_q.get_status(conn, status_id=status_id)
    if quote is None or quoting is None or quoting.deleted_at is not None:
        return
    quoted = None
    if quote.quoted_status_id is None:
        if uris.is_local(quote.quoted_uri, ctx.config):
            return      # a post of ours we do not have: nothing to fetch
        quoted = await threads.fetch_and_store(ctx, quote.quoted_uri,
                                               depth=int(payload.get("depth", 1)))
        if quoted is None or quoted.reblog_of_id is not None:
            return
    async with ctx.db.transaction() as conn:
        quote = await q.get_quote(conn, status_id=status_id)
        if quote is None:
            return
        if quoted is None:
            quoted = await statuses_q.get_status(conn, status_id=quote.quoted_status_id) \
                if quote.quoted_status_id is not None else None
        if quoted is None:
            return
        state = q.ACCEPTED if quoted.account_id == quote.account_id else quote.state
        await q.upsert_quote(conn, status_id=status_id, account_id=quote.account_id,
                             quoted_uri=quote.quoted_uri, quoted_status_id=quoted.id,
                             quoted_account_id=quoted.account_id, state=state,
                             approval_uri=quote.approval_uri, now=ctx.clock.now())
        if state == q.ACCEPTED or quote.approval_uri is None or quoted.local:
            return
        author = await accounts_q.get_account(conn, account_id=quoted.account_id)
    state = await _check_stamp(ctx, quote.approval_uri, quoting_uri=quoting.uri,
                               quoted_uri=quoted.uri,
                               quoted_author_uri=author.uri if author else None)
    if state is not None:
        async with ctx.db.transaction() as conn:
            await q.set_quote_state(conn, status_id=status_id, state=state, now=ctx.clock.now())


async def _check_stamp(ctx: JobContext, approval_uri: str, *, quoting_uri: str, quoted_uri: str,
                       quoted_author_uri: str | None) -> str | None:
    """accepted, rejected, or None (leave it as it is)."""
    try:
        fetched = await for_job(fetch_object(ctx, approval_uri), what="quote authorisation",
                                url=approval_uri, passing=(FetchNotFoundError,))
    except FetchNotFoundError:
        return q.REJECTED
    if fetched is None:
        return None
    doc = fetched.data
    kinds = doc.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    attributed = uri_of(doc.get("attributedTo"))
    if "QuoteAuthorization" not in kinds or doc.get("id") != approval_uri \
            or attributed is None or not uris.same_host(attributed, approval_uri) \
            or attributed != quoted_author_uri \
            or uri_of(doc.get("interactingObject")) != quoting_uri \
            or uri_of(doc.get("interactionTarget")) != quoted_uri:
        log.info("quote authorisation %s does not match the quote", approval_uri)
        return None
    return q.ACCEPTED
