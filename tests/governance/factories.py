"""Small factories for governance tests: found a cooperative, open proposals, vote."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from server.accounts.queries import LocalUser
from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.governance.charter import founding
from server.governance.proposals import service as proposals
from server.governance.proposals.queries import Proposal
from tests.helpers import make_user


async def found_coop(db: Database, config: Config, clock: FrozenClock, founders: list[str], *,
                     others: tuple[str, ...] = (), admins: tuple[str, ...] = (),
                     worker_members: tuple[str, ...] = (),
                     admission_mode: str = "role") -> dict[str, LocalUser]:
    """Create accounts, install the founding charter with `founders` admitted.
    `others` get accounts but no membership; `admins` get the admin role."""
    users = {}
    for name in [*founders, *others]:
        users[name] = await make_user(db, config, clock, name,
                                      role="admin" if name in admins else "user")
    async with db.transaction() as conn:
        template = founding.template_text().replace(
            'admission_mode = "role"', f'admission_mode = "{admission_mode}"')
        await founding.install_founding_charter(
            conn, instance_name="Test Coop", now=clock.now(), template=template,
            founders=[(n, "worker" if n in worker_members else None) for n in founders])
    return users


async def propose(db: Database, clock: FrozenClock, author: LocalUser, kind: str = "general", *,
                  title: str = "Buy a bigger server", body: str = "", motion: Any = None,
                  draft: bool = False) -> Proposal:
    async with db.transaction() as conn:
        return await proposals.create_proposal(
            conn, author_account_id=author.account_id, kind=kind, title=title, body=body,
            motion=motion, now=clock.now(), draft=draft)


async def vote(db: Database, clock: FrozenClock, voter: LocalUser, proposal: Proposal,
               choice: Any, reason: str = "") -> dict[str, Any]:
    async with db.transaction() as conn:
        return await proposals.cast_vote(conn, account_id=voter.account_id,
                                         proposal_id=proposal.id, choice=choice, reason=reason,
                                         now=clock.now())


async def run_past_close(clock: FrozenClock, worker: Any, proposal: Proposal) -> None:
    assert proposal.closes_at is not None
    clock.set(max(clock.now(), proposal.closes_at) + timedelta(seconds=1))
    await worker().run_until_idle()


async def reload(db: Database, proposal: Proposal) -> Proposal:
    async with db.acquire() as conn:
        return await proposals.get_proposal(conn, proposal_id=proposal.id)


async def amend_charter(db: Database, clock: FrozenClock, worker: Any,
                        voters: list[LocalUser], old: str, new: str) -> Proposal:
    """Replace `old` by `new` in the charter in force through an amendment every voter
    agrees to, and run it to its close. `old` must occur exactly once."""
    from server.governance.charter import service as charter

    async with db.acquire() as conn:
        text = (await charter.get_charter_in_force(conn)).text
    assert text.count(old) == 1, old
    proposal = await propose(db, clock, voters[0], "charter_amendment", title="Amend",
                             motion={"text": text.replace(old, new), "summary": "Amend"})
    for voter in voters:
        await vote(db, clock, voter, proposal, "agree")
    await run_past_close(clock, worker, proposal)
    proposal = await reload(db, proposal)
    assert proposal.status == "enacted", proposal.effect
    return proposal
