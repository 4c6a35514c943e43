"""What a remote post says it quotes, recorded where the post is stored or edited.

Only the database is read here (the caller's transaction is open): whether the quote is
allowed is known at once for a self-quote and for a quote of our own member's post (we
granted it or not, see requests.py); a quote of a post elsewhere with an authorisation stamp,
or of a post we do not have yet, is left `pending` and checked by the job
`federation.verify_quote` (verify.py), which may fetch.
"""

from __future__ import annotations

from datetime import datetime

from server import jobs
from server.accounts.queries import Account
from server.db import Conn
from server.federation import vocabulary as v
from server.quotes import queries as q
from server.statuses import queries as statuses_q
from server.statuses.queries import Status

VERIFY_JOB = "federation.verify_quote"
# How far a chain of quotes of quotes we do not have is fetched (each link one job).
MAX_DEPTH = 3


async def record_quote(conn: Conn, *, status: Status, note: v.Note, author: Account,
                       now: datetime, depth: int = 0) -> bool:
    """Whether what is recorded changed."""
    if note.quote_uri is None:
        return await q.delete_quote(conn, status_id=status.id)
    quoted = await statuses_q.get_status_by_uri(conn, uri=note.quote_uri)
    if quoted is not None and quoted.reblog_of_id is not None:
        quoted = None       # a boost cannot be quoted
    before = await q.get_quote(conn, status_id=status.id)
    state = q.PENDING
    verify = False
    if quoted is not None and quoted.account_id == author.id:
        state = q.ACCEPTED  # anyone may quote themselves
    elif quoted is not None and quoted.local:
        # Ours to grant: only a QuoteRequest we accepted makes it so (requests.py).
        if before is not None and before.quoted_status_id == quoted.id:
            state = before.state
    elif note.quote_authorization is not None:
        unchanged = before is not None and before.approval_uri == note.quote_authorization \
            and before.quoted_uri == note.quote_uri
        state = before.state if unchanged else q.PENDING
        verify = not unchanged or (quoted is None and before.quoted_status_id is None)
    else:
        verify = quoted is None
    quoted_id = quoted.id if quoted else None
    if before is not None and (before.quoted_uri, before.quoted_status_id, before.state,
                               before.approval_uri) == (note.quote_uri, quoted_id, state,
                                                        note.quote_authorization):
        return False
    await q.upsert_quote(
        conn, status_id=status.id, account_id=author.id, quoted_uri=note.quote_uri,
        quoted_status_id=quoted_id, quoted_account_id=quoted.account_id if quoted else None,
        state=state, approval_uri=note.quote_authorization, now=now)
    if verify and depth < MAX_DEPTH:
        await jobs.enqueue(conn, VERIFY_JOB, {"status_id": status.id, "depth": depth + 1},
                           now=now)
    return True
