"""Announcements, as the client API shows them: each proposal the members vote on, from the
moment it opens until a week after it closes. While open it says what is proposed and when
voting ends; once closed, the outcome. Each account may dismiss one (mark it read) and react
to it with emoji."""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server import jobs
from server.config import Config
from server.db import Conn
from server.errors import NotFoundError, ValidationError
from server.governance.announcements import queries
from server.governance.federation.publish import outcome_html, proposal_html
from server.governance.proposals.queries import Proposal
from server.jobs.context import JobContext
from server.streaming import publish

SHOWN_AFTER_CLOSE = timedelta(days=7)
PUBLISH_JOB = "announcements.publish"
UNPUBLISH_JOB = "announcements.unpublish"
NOBODY = 0      # no account has this id: nothing is marked as the viewer's own
MAX_REACTION_CHARS = 16
# What an emoji sequence is made of: symbols, modifiers (skin tones), joiners and selectors.
_EMOJI_CATEGORIES = frozenset({"So", "Sk", "Mn", "Me", "Cf"})


@dataclass(frozen=True, slots=True)
class Announcement:
    proposal: Proposal
    read: bool
    content: str
    reactions: list[dict[str, Any]]

    @property
    def starts_at(self) -> datetime | None:
        return self.proposal.opens_at

    @property
    def ends_at(self) -> datetime | None:
        """While open: when voting closes. Afterwards: when it stops being announced."""
        if self.proposal.closed_at is not None:
            return self.proposal.closed_at + SHOWN_AFTER_CLOSE
        return self.proposal.closes_at

    @property
    def updated_at(self) -> datetime:
        return self.proposal.closed_at or self.proposal.opens_at or self.proposal.created_at


def _content(proposal: Proposal, config: Config) -> str:
    if proposal.status == "open":
        closes = proposal.closes_at.strftime("%Y-%m-%d %H:%M UTC") if proposal.closes_at else ""
        return proposal_html(proposal, config) + \
            f"<p>Voting is open until {html.escape(closes)}.</p>"
    return outcome_html(proposal, config)


async def list_announcements(conn: Conn, config: Config, *, viewer_id: int, now: datetime,
                             with_dismissed: bool) -> list[Announcement]:
    found = await queries.list_announced_proposals(
        conn, viewer_id=viewer_id, now=now, closed_since=now - SHOWN_AFTER_CLOSE,
        with_dismissed=with_dismissed)
    reactions: dict[int, list[dict[str, Any]]] = {}
    if found:
        for row in await queries.list_reactions(conn, viewer_id=viewer_id,
                                                proposal_ids=[p.id for p, _ in found]):
            reactions.setdefault(row["proposal_id"], []).append(
                {"name": row["name"], "count": int(row["count"]), "me": bool(row["me"])})
    return [Announcement(p, read, _content(p, config), reactions.get(p.id, []))
            for p, read in found]


async def get_announcement(conn: Conn, config: Config, *, announcement_id: int,
                           now: datetime) -> Announcement | None:
    """The proposal as announced to everyone (nobody's dismissal or reactions marked as
    theirs), or None when it is not announced now."""
    for item in await list_announcements(conn, config, viewer_id=NOBODY, now=now,
                                         with_dismissed=True):
        if item.proposal.id == announcement_id:
            return item
    return None


async def _announced(conn: Conn, *, viewer_id: int, announcement_id: int, now: datetime) -> None:
    found = await queries.list_announced_proposals(
        conn, viewer_id=viewer_id, now=now, closed_since=now - SHOWN_AFTER_CLOSE,
        with_dismissed=True)
    if not any(p.id == announcement_id for p, _ in found):
        raise NotFoundError("Record not found")


async def dismiss(conn: Conn, *, account_id: int, announcement_id: int, now: datetime) -> None:
    await _announced(conn, viewer_id=account_id, announcement_id=announcement_id, now=now)
    await queries.mark_read(conn, account_id=account_id, proposal_id=announcement_id, now=now)


def check_reaction(name: str) -> str:
    """A reaction is one emoji (custom emoji do not exist here)."""
    if not name or len(name) > MAX_REACTION_CHARS or not all(
            unicodedata.category(c) in _EMOJI_CATEGORIES for c in name) \
            or not any(unicodedata.category(c) == "So" for c in name):
        raise ValidationError("Validation failed: Name is not a recognized emoji", field="name")
    return name


async def react(conn: Conn, *, account_id: int, announcement_id: int, name: str, now: datetime,
                add: bool) -> None:
    await _announced(conn, viewer_id=account_id, announcement_id=announcement_id, now=now)
    if add:
        await queries.add_reaction(conn, proposal_id=announcement_id, account_id=account_id,
                                   name=check_reaction(name), now=now)
    else:
        await queries.remove_reaction(conn, proposal_id=announcement_id, account_id=account_id,
                                      name=name)
    # Every signed-in client shows the new count (sent on commit).
    await publish.announcement_reaction(
        conn, announcement_id=announcement_id, name=name,
        count=await queries.count_reaction(conn, proposal_id=announcement_id, name=name))


async def publish_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Job of `proposal.opened` and `proposal.closed`: the announcement, new or with its
    outcome, to every signed-in client's user stream; once closed, its withdrawal queued for
    when it stops being announced."""
    proposal_id, now = int(payload["proposal_id"]), ctx.clock.now()
    async with ctx.db.transaction() as conn:
        item = await get_announcement(conn, ctx.config, announcement_id=proposal_id, now=now)
        if item is None:
            return      # not announced (a jury decision), or no longer
        await publish.announcement_changed(conn, announcement_id=proposal_id)
        if item.proposal.closed_at is not None:
            await jobs.enqueue(conn, UNPUBLISH_JOB, {"proposal_id": str(proposal_id)}, now=now,
                               run_at=item.proposal.closed_at + SHOWN_AFTER_CLOSE)


async def unpublish_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        await publish.announcement_deleted(conn, announcement_id=int(payload["proposal_id"]))
