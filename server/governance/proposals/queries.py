"""SQL for proposals, their electorate, ballots, comments and reminders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.governance.proposals")


@dataclass(frozen=True, slots=True)
class Proposal:
    id: int
    kind: str
    title: str
    body: str
    motion: dict[str, Any]
    author_account_id: int
    author: str
    status: str
    charter_version: int | None
    rules: dict[str, Any] | None
    secret_ballot: bool
    results_hidden: bool
    scheduled_open_at: datetime | None
    opens_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None
    tally: dict[str, Any] | None
    outcome: str | None
    effect: dict[str, Any] | None
    created_at: datetime
    jury_draw_id: int | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    author: str
    body: str
    created_at: datetime


async def insert_proposal(conn: Conn, *, proposal_id: int, kind: str, title: str, body: str,
                          motion: dict[str, Any], author_account_id: int, now: datetime,
                          jury_draw_id: int | None = None) -> None:
    await conn.execute(Q["insert_proposal"], proposal_id, kind, title, body, motion,
                       author_account_id, now, jury_draw_id)


async def get_proposal(conn: Conn, *, proposal_id: int) -> Proposal | None:
    row = await conn.fetchrow(Q["get_proposal"], proposal_id)
    return Proposal(**dict(row)) if row else None


async def lock_proposal(conn: Conn, *, proposal_id: int) -> bool:
    return await conn.fetchval(Q["lock_proposal"], proposal_id) is not None


async def lock_proposal_for_voting(conn: Conn, *, proposal_id: int) -> bool:
    return await conn.fetchval(Q["lock_proposal_for_voting"], proposal_id) is not None


async def list_proposals(conn: Conn, *, viewer_account_id: int | None, status: str | None,
                         limit: int) -> list[Proposal]:
    rows = await conn.fetch(Q["list_proposals"], viewer_account_id, status, limit)
    return [Proposal(**dict(r)) for r in rows]


async def update_proposal_scheduled(conn: Conn, *, proposal_id: int, when: datetime) -> None:
    await conn.execute(Q["update_proposal_scheduled"], proposal_id, when)


async def update_proposal_opened(conn: Conn, *, proposal_id: int, charter_version: int,
                                 rules: dict[str, Any], secret_ballot: bool,
                                 results_hidden: bool, opens_at: datetime, closes_at: datetime,
                                 motion: dict[str, Any]) -> None:
    await conn.execute(Q["update_proposal_opened"], proposal_id, charter_version, rules,
                       secret_ballot, results_hidden, opens_at, closes_at, motion)


async def update_proposal_closed(conn: Conn, *, proposal_id: int, status: str,
                                 tally: dict[str, Any], outcome: str, closed_at: datetime) -> None:
    await conn.execute(Q["update_proposal_closed"], proposal_id, status, tally, outcome, closed_at)


async def update_proposal_effect(conn: Conn, *, proposal_id: int, status: str,
                                 effect: dict[str, Any] | None) -> None:
    await conn.execute(Q["update_proposal_effect"], proposal_id, status, effect)


async def insert_electorate(conn: Conn, *, proposal_id: int) -> None:
    await conn.execute(Q["insert_electorate"], proposal_id)


async def insert_jury_electorate(conn: Conn, *, proposal_id: int, jury_draw_id: int) -> None:
    await conn.execute(Q["insert_jury_electorate"], proposal_id, jury_draw_id)


async def count_electorate(conn: Conn, *, proposal_id: int) -> int:
    return int(await conn.fetchval(Q["count_electorate"], proposal_id))


async def get_voter(conn: Conn, *, proposal_id: int, account_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_voter"], proposal_id, account_id)
    return dict(row) if row else None


async def mark_voted(conn: Conn, *, proposal_id: int, account_id: int, now: datetime) -> None:
    await conn.execute(Q["mark_voted"], proposal_id, account_id, now)


async def list_participants(conn: Conn, *, proposal_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_participants"], proposal_id)]


async def insert_ballot_secret(conn: Conn, *, proposal_id: int, secret: bytes) -> None:
    await conn.execute(Q["insert_ballot_secret"], proposal_id, secret)


async def get_ballot_secret(conn: Conn, *, proposal_id: int) -> bytes | None:
    return await conn.fetchval(Q["get_ballot_secret"], proposal_id)


async def delete_ballot_secret(conn: Conn, *, proposal_id: int) -> None:
    await conn.execute(Q["delete_ballot_secret"], proposal_id)


async def upsert_ballot(conn: Conn, *, proposal_id: int, ballot_key: str,
                        account_id: int | None, choice: Any, reason: str,
                        cast_at: datetime | None) -> bool:
    return bool(await conn.fetchval(Q["upsert_ballot"], proposal_id, ballot_key, account_id,
                                    choice, reason, cast_at))


async def get_ballot(conn: Conn, *, proposal_id: int, ballot_key: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_ballot"], proposal_id, ballot_key)
    return dict(row) if row else None


async def list_ballots(conn: Conn, *, proposal_id: int) -> list[tuple[str, Any, str]]:
    rows = await conn.fetch(Q["list_ballots"], proposal_id)
    return [(r["ballot_key"], r["choice"], r["reason"]) for r in rows]


async def count_ballots(conn: Conn, *, proposal_id: int) -> int:
    return int(await conn.fetchval(Q["count_ballots"], proposal_id))


async def list_named_ballots(conn: Conn, *, proposal_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_named_ballots"], proposal_id)]


async def insert_comment(conn: Conn, *, comment_id: int, proposal_id: int, author_account_id: int,
                         body: str, now: datetime) -> None:
    await conn.execute(Q["insert_comment"], comment_id, proposal_id, author_account_id, body, now)


async def list_comments(conn: Conn, *, proposal_id: int) -> list[Comment]:
    return [Comment(**dict(r)) for r in await conn.fetch(Q["list_comments"], proposal_id)]


async def insert_reminders(conn: Conn, *, proposal_id: int, closes_at: datetime,
                           now: datetime) -> list[int]:
    """The accounts reminded now (none twice)."""
    rows = await conn.fetch(Q["insert_reminders"], proposal_id, closes_at, now)
    return [r["account_id"] for r in rows]


async def list_reminders(conn: Conn, *, proposal_id: int) -> list[int]:
    return [r["account_id"] for r in await conn.fetch(Q["list_reminders"], proposal_id)]
