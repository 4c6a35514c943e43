"""Job handlers that move proposals along on time. They are enqueued when a proposal is
opened (or scheduled), in the same transaction, so they survive restarts; each checks the
proposal's state first, so running one twice does nothing the second time."""

from __future__ import annotations

from typing import Any

from server.governance.proposals import closing, service
from server.jobs import RetryLaterError
from server.jobs.context import JobContext


def _proposal_id(payload: dict[str, Any]) -> int:
    return int(payload["proposal_id"])


async def open_proposal(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        await service.open_scheduled_proposal(conn, proposal_id=_proposal_id(payload),
                                              now=ctx.clock.now())


async def remind_proposal(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        await closing.remind(conn, proposal_id=_proposal_id(payload), now=ctx.clock.now(),
                             config=ctx.config)


async def close_proposal(ctx: JobContext, payload: dict[str, Any]) -> None:
    now = ctx.clock.now()
    try:
        async with ctx.db.transaction() as conn:
            await closing.close_proposal(conn, proposal_id=_proposal_id(payload), now=now)
    except closing.ProposalNotDueError as exc:
        # Ran early (a clock step between machines): come back when it is due.
        raise RetryLaterError("not due yet", delay_seconds=(exc.closes_at - now).total_seconds()
                              ) from None


HANDLERS = {
    "governance.open_proposal": open_proposal,
    "governance.remind_proposal": remind_proposal,
    "governance.close_proposal": close_proposal,
}
