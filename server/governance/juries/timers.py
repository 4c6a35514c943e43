"""Job handlers for juries: the draw at its announced time, and the end of a jury's term.
Both are queued in the transaction that made them due and check the draw's state first,
so a second run does nothing."""

from __future__ import annotations

from typing import Any

from server.governance.juries import seats, service
from server.jobs import RetryLaterError
from server.jobs.context import JobContext


def _draw_id(payload: dict[str, Any]) -> int:
    return int(payload["draw_id"])


async def perform_draw(ctx: JobContext, payload: dict[str, Any]) -> None:
    now = ctx.clock.now()
    try:
        async with ctx.db.transaction() as conn:
            await service.perform_draw(conn, draw_id=_draw_id(payload), now=now)
    except service.DrawNotDueError as exc:
        raise RetryLaterError("not due yet", delay_seconds=(exc.due - now).total_seconds()
                              ) from None


async def dissolve_jury(ctx: JobContext, payload: dict[str, Any]) -> None:
    now = ctx.clock.now()
    try:
        async with ctx.db.transaction() as conn:
            await seats.dissolve(conn, draw_id=_draw_id(payload), now=now)
    except service.DrawNotDueError as exc:
        raise RetryLaterError("not due yet", delay_seconds=(exc.due - now).total_seconds()
                              ) from None


HANDLERS = {
    "governance.perform_draw": perform_draw,
    "governance.dissolve_jury": dissolve_jury,
}
