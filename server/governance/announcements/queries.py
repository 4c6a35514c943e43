"""SQL for announcements: which proposals are announced, dismissals and reactions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.db import Conn, load_queries
from server.governance.proposals.queries import Proposal

Q = load_queries("server.governance.announcements")


async def list_announced_proposals(conn: Conn, *, viewer_id: int, now: datetime,
                                   closed_since: datetime,
                                   with_dismissed: bool) -> list[tuple[Proposal, bool]]:
    """(proposal, dismissed by the viewer) pairs."""
    out = []
    for row in await conn.fetch(Q["list_announced_proposals"], viewer_id, now, closed_since,
                                with_dismissed):
        fields = dict(row)
        read = fields.pop("read")
        out.append((Proposal(**fields), read))
    return out


async def list_reactions(conn: Conn, *, viewer_id: int,
                         proposal_ids: list[int]) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_announcement_reactions"], viewer_id,
                                              proposal_ids)]


async def mark_read(conn: Conn, *, account_id: int, proposal_id: int, now: datetime) -> None:
    await conn.execute(Q["mark_announcement_read"], account_id, proposal_id, now)


async def add_reaction(conn: Conn, *, proposal_id: int, account_id: int, name: str,
                       now: datetime) -> None:
    await conn.execute(Q["add_announcement_reaction"], proposal_id, account_id, name, now)


async def remove_reaction(conn: Conn, *, proposal_id: int, account_id: int, name: str) -> None:
    await conn.execute(Q["remove_announcement_reaction"], proposal_id, account_id, name)


async def count_reaction(conn: Conn, *, proposal_id: int, name: str) -> int:
    return int(await conn.fetchval(Q["count_announcement_reaction"], proposal_id, name))
