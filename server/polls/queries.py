"""SQL for polls and their votes (see queries.sql)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.polls")


@dataclass(frozen=True, slots=True)
class Poll:
    id: int
    status_id: int
    account_id: int
    options: list[str]
    multiple: bool
    hide_totals: bool
    expires_at: datetime | None
    closed_at: datetime | None
    remote_counts: list[int] | None
    remote_voters: int | None
    proposal_id: int | None
    local: bool
    status_uri: str
    author_uri: str
    author_inbox: str | None
    author_shared_inbox: str | None

    def expired(self, now: datetime) -> bool:
        return self.closed_at is not None or (self.expires_at is not None
                                              and self.expires_at <= now)


async def get_poll(conn: Conn, *, poll_id: int) -> Poll | None:
    row = await conn.fetchrow(Q["get_poll"], poll_id)
    return Poll(**dict(row)) if row else None


async def lock_poll(conn: Conn, *, poll_id: int) -> bool:
    return await conn.fetchval(Q["lock_poll"], poll_id) is not None


async def get_poll_by_status_uri(conn: Conn, *, uri: str) -> int | None:
    return await conn.fetchval(Q["get_poll_by_status_uri"], uri)


async def get_poll_by_proposal(conn: Conn, *, proposal_id: int) -> int | None:
    return await conn.fetchval(Q["get_poll_by_proposal"], proposal_id)


async def count_votes(conn: Conn, *, poll_id: int) -> dict[int, int]:
    return {r["choice"]: r["votes"] for r in await conn.fetch(Q["count_votes"], poll_id)}


async def count_voters(conn: Conn, *, poll_id: int) -> int:
    return int(await conn.fetchval(Q["count_voters"], poll_id))


async def own_votes(conn: Conn, *, poll_id: int, account_id: int) -> list[int]:
    return [r["choice"] for r in await conn.fetch(Q["own_votes"], poll_id, account_id)]


async def insert_vote(conn: Conn, *, vote_id: int, poll_id: int, account_id: int, choice: int,
                      uri: str | None, now: datetime) -> bool:
    return await conn.fetchval(Q["insert_vote"], vote_id, poll_id, account_id, choice, uri,
                               now) is not None


async def vote_uri_seen(conn: Conn, *, uri: str) -> bool:
    return bool(await conn.fetchval(Q["vote_uri_seen"], uri))


async def delete_votes_of(conn: Conn, *, poll_id: int, account_id: int) -> None:
    await conn.execute(Q["delete_votes_of"], poll_id, account_id)


async def bump_remote_counts(conn: Conn, *, poll_id: int, choices: list[int], option_count: int,
                             new_voter: bool) -> None:
    await conn.execute(Q["bump_remote_counts"], poll_id, choices, option_count, new_voter)


async def close_poll(conn: Conn, *, poll_id: int, now: datetime) -> bool:
    return await conn.fetchval(Q["close_poll"], poll_id, now) is not None


async def list_local_voters(conn: Conn, *, poll_id: int) -> list[int]:
    return [r["account_id"] for r in await conn.fetch(Q["list_local_voters"], poll_id)]


async def list_votes_by_ids(conn: Conn, *, vote_ids: list[int]) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_votes_by_ids"], vote_ids)]


async def set_poll_proposal(conn: Conn, *, poll_id: int, proposal_id: int) -> None:
    await conn.execute(Q["set_poll_proposal"], poll_id, proposal_id)
