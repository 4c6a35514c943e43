"""Proposal timers are jobs: they survive a restart, remind a day before close, open a
scheduled proposal, and running one twice changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.governance.log import service as log
from server.governance.proposals import queries
from server.governance.proposals import service as proposals
from server.jobs import queries as jobs_q
from server.jobs.context import JobContext
from server.jobs.registry import job_handlers
from server.jobs.worker import Worker
from server.notifications import queries as notifications_q
from server.statuses import queries as statuses_q
from tests.governance.factories import found_coop, propose, reload, vote


async def test_open_proposal_still_closes_and_tallies_after_a_restart(
        database_url: str, config: Config, clock: FrozenClock) -> None:
    # Before the restart: one process opens a proposal and takes votes, then stops.
    before = await Database.connect(database_url, min_size=1, max_size=4)
    try:
        users = await found_coop(before, config, clock, ["ada", "bea", "cid"])
        proposal = await propose(before, clock, users["ada"])
        await vote(before, clock, users["bea"], proposal, "agree")
        await vote(before, clock, users["cid"], proposal, "agree")
    finally:
        await before.close()

    # After: a new pool, a new clock and a new worker; nothing carried over in memory.
    after = await Database.connect(database_url, min_size=1, max_size=4)
    try:
        later = FrozenClock(proposal.closes_at + timedelta(minutes=1))
        worker = Worker(JobContext(db=after, clock=later, config=config), job_handlers())
        await worker.run_until_idle()
        closed = await reload(after, proposal)
        async with after.acquire() as conn:
            left = await jobs_q.list_jobs(conn)
    finally:
        await after.close()
    assert (closed.status, closed.outcome) == ("passed", "passed")
    assert closed.tally and closed.tally["counts"]["agree"] == 2
    assert closed.closed_at == later.now()
    # Only the announcement's withdrawal is left, for a week after the close.
    assert [(j.kind, j.run_at) for j in left] == [
        ("announcements.unpublish", later.now() + timedelta(days=7))]


async def test_members_who_have_not_voted_are_reminded_a_day_before_close(
        db: Database, config: Config, clock: FrozenClock, worker: Any) -> None:
    users = await found_coop(db, config, clock, ["ada", "bea", "cid"])
    proposal = await propose(db, clock, users["ada"])
    await vote(db, clock, users["ada"], proposal, "agree")
    clock.set(proposal.closes_at - timedelta(hours=25))
    await worker().run_until_idle()
    async with db.acquire() as conn:
        assert await queries.list_reminders(conn, proposal_id=proposal.id) == []
    clock.advance(timedelta(hours=1, seconds=1))
    await worker().run_until_idle()
    async with db.acquire() as conn:
        reminded = await queries.list_reminders(conn, proposal_id=proposal.id)
    assert sorted(reminded) == sorted([users["bea"].account_id, users["cid"].account_id])
    assert (await reload(db, proposal)).status == "open"
    # Each of them got a direct message from the co-op's Group, as a mention notification.
    async with db.acquire() as conn:
        for name in ("bea", "cid"):
            [note] = await notifications_q.list_notifications_for(
                conn, account_id=users[name].account_id)
            assert note["type"] == "mention"
            dm = await statuses_q.get_status(conn, status_id=note["status_id"])
            assert dm is not None and dm.visibility == "direct"
            assert f"/proposals/{proposal.id}" in dm.content and "Reminder" in dm.content
        assert await notifications_q.list_notifications_for(
            conn, account_id=users["ada"].account_id) == []
    clock.advance(timedelta(minutes=5))      # the job running again reminds nobody twice
    async with db.transaction() as conn:
        from server.governance.proposals import closing

        assert await closing.remind(conn, proposal_id=proposal.id, now=clock.now(),
                                    config=config) == 0


async def test_a_scheduled_draft_opens_on_time_and_closes_one_period_later(
        db: Database, config: Config, clock: FrozenClock, worker: Any) -> None:
    users = await found_coop(db, config, clock, ["ada", "bea"])
    draft = await propose(db, clock, users["ada"], draft=True)
    when = clock.now() + timedelta(days=2)
    async with db.transaction() as conn:
        await proposals.open_proposal(conn, proposal_id=draft.id,
                                      by_account_id=users["ada"].account_id, now=clock.now(),
                                      opens_at=when)
    await worker().run_until_idle()
    assert (await reload(db, draft)).status == "draft"
    clock.set(when)
    await worker().run_until_idle()
    opened = await reload(db, draft)
    assert opened.status == "open" and opened.opens_at == when
    assert opened.closes_at == when + timedelta(days=7)


async def test_running_the_close_timer_twice_closes_once(
        db: Database, config: Config, clock: FrozenClock, worker: Any) -> None:
    from server.governance.proposals import timers

    users = await found_coop(db, config, clock, ["ada", "bea"])
    proposal = await propose(db, clock, users["ada"])
    clock.set(proposal.closes_at)
    ctx = JobContext(db=db, clock=clock, config=config)
    await timers.close_proposal(ctx, {"proposal_id": str(proposal.id)})
    await timers.close_proposal(ctx, {"proposal_id": str(proposal.id)})
    async with db.acquire() as conn:
        kinds = [e["kind"] async for e in log.iter_entries(conn)]
    assert kinds.count("proposal.closed") == 1
