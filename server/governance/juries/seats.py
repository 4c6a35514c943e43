"""A drawn jury: jurors accept or decline their seat, a decline is replaced by the same
ranking (`sortition.replace`), the jury decides by jury decisions, and it is dissolved when
its term ends. Every answer is written to the decision log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.db import Conn
from server.errors import ConflictError, ForbiddenError
from server.governance.juries import queries, sortition
from server.governance.juries.queries import Draw, Seat
from server.governance.juries.service import (
    DrawNotDueError,
    DrawNotFoundError,
    entries,
    get_draw,
)
from server.governance.log import service as log
from server.governance.proposals.queries import Proposal


async def _sitting_draw(conn: Conn, draw_id: int, now: datetime) -> Draw:
    """The draw, locked, if its jury is sitting now."""
    if not await queries.lock_draw(conn, draw_id=draw_id):
        raise DrawNotFoundError(draw_id)
    draw = await get_draw(conn, draw_id=draw_id)
    if draw.state == "committed":
        raise ConflictError("This jury has not been drawn yet.")
    if draw.state == "dissolved" or (draw.term_ends_at and now >= draw.term_ends_at):
        raise ConflictError("This jury's term is over.")
    return draw


async def _my_seat(conn: Conn, draw_id: int, account_id: int) -> tuple[Seat, list[Seat]]:
    seats = await queries.list_seats(conn, draw_id=draw_id)
    mine = next((s for s in seats if s.account_id == account_id), None)
    if mine is None:
        raise ForbiddenError("You were not drawn for this jury.")
    if mine.status != "offered":
        raise ConflictError(f"You have already {mine.status} this seat.")
    return mine, seats


async def accept_seat(conn: Conn, *, draw_id: int, account_id: int, now: datetime) -> None:
    await _sitting_draw(conn, draw_id, now)
    mine, _ = await _my_seat(conn, draw_id, account_id)
    await queries.update_seat_answer(conn, draw_id=draw_id, account_id=account_id,
                                     status="accepted", answered_at=now)
    await log.append_entry(conn, kind="jury.seat_accepted", now=now, body={
        "draw_id": str(draw_id), "juror": mine.member_id, "username": mine.username})


async def decline_seat(conn: Conn, *, draw_id: int, account_id: int,
                       now: datetime) -> str | None:
    """Decline an offered seat; returns the username the seat is offered to next, or None
    when nobody left in the pool can take it and keep the quotas."""
    draw = await _sitting_draw(conn, draw_id, now)
    mine, seats = await _my_seat(conn, draw_id, account_id)
    await queries.update_seat_answer(conn, draw_id=draw_id, account_id=account_id,
                                     status="declined", answered_at=now)
    declines = await queries.list_declines(conn, draw_id=draw_id)
    pool = await queries.list_pool(conn, draw_id=draw_id)
    assert draw.seed is not None
    chosen = sortition.replace(entries(pool), sortition.params_from_dict(draw.params),
                               draw.seed, [s.member_id for s in seats],
                               {d.member_id for d in declines} | {mine.member_id})
    replacement = next((p for p in pool if p.member_id == chosen), None)
    seq = len(declines) + 1
    entry = await log.append_entry(conn, kind="jury.seat_declined", now=now, body={
        "draw_id": str(draw_id), "seq": seq, "declined": mine.member_id,
        "username": mine.username, "replacement": chosen,
        "replacement_username": replacement.username if replacement else None})
    await queries.insert_decline(conn, draw_id=draw_id, seq=seq, member_id=mine.member_id,
                                 replacement_id=chosen, declined_at=now, log_seq=entry["seq"])
    if replacement is None:
        return None
    await queries.insert_seat(conn, draw_id=draw_id, account_id=replacement.account_id,
                              member_id=replacement.member_id, position=len(seats) + 1,
                              source="replacement", offered_at=now)
    return replacement.username


async def dissolve(conn: Conn, *, draw_id: int, now: datetime) -> bool:
    """The `governance.dissolve_jury` timer: end the jury once its term is over.
    Idempotent: a jury already dissolved (or never drawn) is left alone."""
    if not await queries.lock_draw(conn, draw_id=draw_id):
        return False
    draw = await get_draw(conn, draw_id=draw_id)
    if draw.state != "drawn" or draw.term_ends_at is None:
        return False
    if now < draw.term_ends_at:
        raise DrawNotDueError(draw_id, draw.term_ends_at)
    await queries.update_draw_dissolved(conn, draw_id=draw_id, now=now)
    await log.append_entry(conn, kind="jury.dissolved", now=now, body={
        "draw_id": str(draw_id), "purpose": draw.purpose,
        "term_ended_at": log.timestamp(draw.term_ends_at)})
    return True


async def open_decision(conn: Conn, *, draw_id: int, account_id: int, title: Any, body: Any,
                        now: datetime) -> Proposal:
    """A juror who accepted their seat puts a question to the jury: a `jury_decision`
    proposal whose electorate is the jurors who have accepted (see proposals.service)."""
    from server.governance.proposals import service as proposals  # proposals import members

    await _sitting_draw(conn, draw_id, now)
    seats = await queries.list_seats(conn, draw_id=draw_id)
    if not any(s.account_id == account_id and s.status == "accepted" for s in seats):
        raise ForbiddenError("Only a juror who has accepted their seat can put a question "
                             "to the jury.")
    return await proposals.create_proposal(
        conn, author_account_id=account_id, kind="jury_decision", title=title, body=body,
        motion={"draw_id": str(draw_id)}, now=now, jury_draw_id=draw_id)


async def list_decisions(conn: Conn, *, draw_id: int) -> list[dict[str, Any]]:
    return await queries.list_jury_decisions(conn, draw_id=draw_id)


async def list_my_seats(conn: Conn, *, account_id: int) -> list[dict[str, Any]]:
    return await queries.list_seats_for_account(conn, account_id=account_id)
