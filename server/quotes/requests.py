"""Answering another server's QuoteRequest for one of our members' posts (FEP-044f).

Who may quote what is statuses.service.may_quote (Mastodon 4.5's defaults). A granted
quote is recorded as accepted and answered with an Accept whose `result` is our
authorisation stamp (served by federation/activitypub/quote_stamps.py); a refused one with a
Reject. Both go to the requester's own inbox, signed by the quoted author.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from server.accounts.queries import Account
from server.db import Conn
from server.federation import delivery
from server.federation import vocabulary as v
from server.federation.outbound import activities
from server.federation.outbound.common import personal_inbox
from server.quotes.local import notify_quoted
from server.quotes import queries as q
from server.quotes.queries import authorization_uri
from server.statuses.queries import Status


def _request(request: v.QuoteRequest) -> dict[str, Any]:
    return activities.quote_request(request.id, actor_uri=request.actor_uri,
                                    instrument=request.instrument_uri,
                                    quoted_uri=request.object_uri)


async def accept(conn: Conn, *, quoted: Status, quoted_author: Account, requester: Account,
                 quoting: Status, request: v.QuoteRequest, now: datetime) -> None:
    await q.upsert_quote(conn, status_id=quoting.id, account_id=requester.id,
                         quoted_uri=quoted.uri, quoted_status_id=quoted.id,
                         quoted_account_id=quoted_author.id, state=q.ACCEPTED,
                         approval_uri=None, activity_uri=request.id, now=now)
    activity = activities.accept_quote_request(
        _request(request), actor_uri=quoted_author.uri,
        accept_id=f"{quoted_author.uri}#accepts/quote_requests/{quoting.id}",
        stamp_uri=authorization_uri(quoted_author.uri, quoting.id))
    await delivery.enqueue_deliveries(conn, actor_id=quoted_author.id, activity=activity,
                                      inboxes=personal_inbox(requester), now=now)
    await notify_quoted(conn, quoted_account_id=quoted_author.id, quoting_status=quoting,
                        now=now)


async def reject(conn: Conn, *, quoted_author: Account, requester: Account,
                 request: v.QuoteRequest, now: datetime) -> None:
    activity = activities.reject_quote_request(
        _request(request), actor_uri=quoted_author.uri,
        reject_id=f"{quoted_author.uri}#rejects/quote_requests/{uuid.uuid4()}")
    await delivery.enqueue_deliveries(conn, actor_id=quoted_author.id, activity=activity,
                                      inboxes=personal_inbox(requester), now=now)
