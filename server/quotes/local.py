"""A member's post that quotes another (the client API's `quoted_status_id`).

A quote of a post here is decided at once by statuses.service.may_quote (the author may,
or posting refuses); a quote of a post elsewhere waits for the quoted author's server to
answer the QuoteRequest that outbound/quotes.py sends (its Accept or Reject reaches
answers.py). The request's id is kept, so the answer can be matched to it.
"""

from __future__ import annotations

from datetime import datetime

from server.db import Conn
from server.quotes import queries as q
from server.statuses.queries import Status

SEND_REQUEST_JOB = "federation.send_quote_request"


_REQUESTS = "#quote_requests/"


def request_uri(author_uri: str, status_id: int) -> str:
    return f"{author_uri}{_REQUESTS}{status_id}"


def is_request_uri(uri: str) -> bool:
    """Whether an id has request_uri's shape (an answer may name our request by id alone)."""
    return _REQUESTS in uri


async def record_local_quote(conn: Conn, *, status: Status, author_uri: str, quoted: Status,
                             now: datetime) -> None:
    await q.upsert_quote(
        conn, status_id=status.id, account_id=status.account_id, quoted_uri=quoted.uri,
        quoted_status_id=quoted.id, quoted_account_id=quoted.account_id,
        state=q.ACCEPTED if quoted.local else q.PENDING, approval_uri=None,
        activity_uri=None if quoted.local else request_uri(author_uri, status.id), now=now)
