"""A member's post that quotes another (the client API's `quoted_status_id`).

A quote of a post here is decided at once by statuses.service.may_quote (the author may,
or posting refuses); a quote of a post elsewhere waits for the quoted author's server to
answer the QuoteRequest that outbound/quotes.py sends (its Accept or Reject reaches
answers.py). The request's id is kept, so the answer can be matched to it.
"""

from __future__ import annotations

from datetime import datetime

from server import events, jobs
from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.db import Conn
from server.errors import ForbiddenError, NotFoundError
from server.notifications import service as notifications
from server.quotes import queries as q
from server.statuses import queries as statuses_q
from server.statuses.queries import Status

SEND_REQUEST_JOB = "federation.send_quote_request"
SEND_REVOCATION_JOB = "federation.send_quote_revocation"


_REQUESTS = "#quote_requests/"


def request_uri(author_uri: str, status_id: int) -> str:
    return f"{author_uri}{_REQUESTS}{status_id}"


def is_request_uri(uri: str) -> bool:
    """Whether an id has request_uri's shape (an answer may name our request by id alone)."""
    return _REQUESTS in uri


async def record_local_quote(conn: Conn, *, status: Status, author_uri: str, quoted: Status,
                             now: datetime) -> None:
    """A member's post quotes `quoted`: allowed at once when it is a post here (its author
    hears of it: a `quote` notification), asked of its server otherwise."""
    await q.upsert_quote(
        conn, status_id=status.id, account_id=status.account_id, quoted_uri=quoted.uri,
        quoted_status_id=quoted.id, quoted_account_id=quoted.account_id,
        state=q.ACCEPTED if quoted.local else q.PENDING, approval_uri=None,
        activity_uri=None if quoted.local else request_uri(author_uri, status.id), now=now)
    if quoted.local:
        await notify_quoted(conn, quoted_account_id=quoted.account_id,
                            quoting_status=status, now=now)


async def notify_quoted(conn: Conn, *, quoted_account_id: int, quoting_status: Status,
                        now: datetime) -> None:
    """A member's post is quoted with leave: they hear of it, as from the quoting author."""
    quoted_author = await accounts_q.get_account(conn, account_id=quoted_account_id)
    if quoted_author is not None:
        await notifications.notify(conn, recipient=quoted_author,
                                   sender_id=quoting_status.account_id, type_="quote",
                                   status_id=quoting_status.id, now=now)


async def withdraw(conn: Conn, *, author: Account, quoted_status_id: int, quoting_status_id: int,
                   now: datetime) -> None:
    """A member takes back a quote of their post (the client API's revoke, as Mastodon 4.5
    has it): an accepted quote is revoked, a pending one refused; only the quoted author may.
    A revoked quote from elsewhere is told so (our stamp's Delete); a member's quoting post
    goes out again, without the stamp."""
    quote = await q.get_quote(conn, status_id=quoting_status_id)
    if quote is None or quote.quoted_status_id != quoted_status_id:
        raise NotFoundError("Record not found")
    if quote.quoted_account_id != author.id:
        raise ForbiddenError("This action is not allowed")
    if await q.withdraw_quote(conn, status_id=quoting_status_id, now=now) != q.ACCEPTED:
        return
    quoting = await statuses_q.get_status(conn, status_id=quoting_status_id)
    if quoting is None:
        return
    if quoting.local:
        await events.emit(conn, "status.updated", {"status_id": quoting.id}, now=now)
    else:
        await jobs.enqueue(conn, SEND_REVOCATION_JOB,
                           {"status_id": quoting.id, "account_id": author.id}, now=now)
