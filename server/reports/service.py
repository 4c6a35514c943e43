"""Members reporting accounts and posts to the instance's moderators.

A report is stored for the moderation queue and every admin and moderator is notified
(`admin.report`). A report about a remote account that the member asked to forward goes to
that account's server as a Flag from the instance actor (server/federation/outbound/reports.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server import events
from server.accounts import queries as accounts_q
from server.db import Conn
from server.errors import NotFoundError, ValidationError
from server.ids import new_id
from server.notifications import service as notifications
from server.reports import queries

CATEGORIES = ("spam", "legal", "violation", "other")
COMMENT_MAX = 1000


async def file_report(conn: Conn, *, reporter_id: int, target_id: int, status_ids: list[int],
                      comment: str, category: str | None, rule_ids: list[str],
                      known_rule_ids: set[str], forward: bool, now: datetime) -> dict[str, Any]:
    target = await accounts_q.get_account(conn, account_id=target_id)
    if target is None:
        raise NotFoundError("Record not found")
    if target_id == reporter_id:
        raise ValidationError("Validation failed: You cannot report yourself", field="account_id")
    if len(comment) > COMMENT_MAX:
        raise ValidationError(f"Validation failed: Comment is too long (maximum is "
                              f"{COMMENT_MAX} characters)", field="comment")
    category = category or ("violation" if rule_ids else "other")
    if category not in CATEGORIES:
        raise ValidationError("Validation failed: category must be spam, legal, violation or "
                              "other", field="category")
    unknown = [r for r in rule_ids if r not in known_rule_ids]
    if unknown:
        raise ValidationError(f"Validation failed: {unknown[0]!r} is not one of the instance's "
                              "rules", field="rule_ids")
    if category == "violation" and not rule_ids:
        raise ValidationError("Validation failed: name the rules that were broken",
                              field="rule_ids")
    attached = await queries.list_statuses_of_account(conn, account_id=target_id,
                                                      status_ids=status_ids)
    if len(attached) != len(set(status_ids)):
        raise ValidationError("Validation failed: a status does not belong to the reported "
                              "account", field="status_ids")
    report = await queries.insert_local_report(
        conn, report_id=new_id(), reporter_id=reporter_id, target_id=target_id,
        status_ids=[i for i, _ in attached], status_uris=[u for _, u in attached],
        comment=comment, category=category, rule_ids=rule_ids,
        forward=forward and not target.local, now=now)
    for staff_id in await queries.list_staff_account_ids(conn):
        staff = await accounts_q.get_account(conn, account_id=staff_id)
        if staff is not None and staff_id != target_id:
            await notifications.notify(conn, recipient=staff, sender_id=reporter_id,
                                       type_="admin.report", now=now)
    await events.emit(conn, "report.created", {"report_id": report["id"]}, now=now)
    return report
