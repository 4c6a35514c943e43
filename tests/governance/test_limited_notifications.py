"""A domain limited by a members' vote: its accounts' notifications wait in requests for
members who do not follow them (the policy's `for_limited_accounts`, `filter` by default)."""

from __future__ import annotations

from typing import Any

from server.accounts import queries as accounts_q
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.notifications import queries as notifications_q
from server.notifications import service as notifications
from tests.governance.factories import found_coop, propose, run_past_close, vote
from tests.helpers import make_remote_account


async def test_limited_domain_senders_are_filtered(db: Database, config: Config,
                                                   clock: FrozenClock, worker: Any) -> None:
    coop = await found_coop(db, config, clock, ["ada", "bea"])
    proposal = await propose(db, clock, coop["ada"], "domain_policy", title="limit",
                             motion={"domain": "far.example", "policy": "limit",
                                     "reason": "Waves of unsolicited replies", "clause": "§10.2"})
    for name in ("ada", "bea"):
        await vote(db, clock, coop[name], proposal, "agree")
    await run_past_close(clock, worker, proposal)
    far = await make_remote_account(db, clock, "loud", "sub.far.example")
    near = await make_remote_account(db, clock, "calm", "near.example")
    async with db.transaction() as conn:
        ada = await accounts_q.get_account(conn, account_id=coop["ada"].account_id)
        assert ada is not None
        for sender in (far, near):
            await notifications.notify(conn, recipient=ada, sender_id=sender.id, type_="follow",
                                       now=clock.now())
        shown = await notifications_q.list_notifications(
            conn, account_id=ada.id, types=None, exclude_types=[], from_account_id=None,
            max_id=None, since_id=None, min_id=None, limit=40)
        everything = await notifications_q.list_notifications(
            conn, account_id=ada.id, types=None, exclude_types=[], from_account_id=None,
            max_id=None, since_id=None, min_id=None, limit=40, include_filtered=True)
        policy = await notifications_q.get_notification_policy(conn, account_id=ada.id)
    assert [n["from_account_id"] for n in shown] == [near.id]
    assert {n["from_account_id"] for n in everything} == {near.id, far.id}
    assert policy["pending_requests"] == 1
