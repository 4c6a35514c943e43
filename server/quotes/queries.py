"""SQL for quote posts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.db import Conn, load_queries

Q = load_queries("server.quotes")

PENDING, ACCEPTED, REJECTED, REVOKED = "pending", "accepted", "rejected", "revoked"


def authorization_uri(quoted_author_uri: str, quoting_status_id: int) -> str:
    """Where our stamp for an accepted quote of a member's post is served."""
    return f"{quoted_author_uri}/quote_authorizations/{quoting_status_id}"


@dataclass(frozen=True)
class Quote:
    status_id: int
    account_id: int
    quoted_uri: str
    quoted_status_id: int | None
    quoted_account_id: int | None
    state: str
    approval_uri: str | None
    activity_uri: str | None


async def list_quotes(conn: Conn, *, status_ids: list[int]) -> list[Quote]:
    return [Quote(**dict(r)) for r in await conn.fetch(Q["list_quotes"], status_ids)]


async def get_quote(conn: Conn, *, status_id: int) -> Quote | None:
    found = await list_quotes(conn, status_ids=[status_id])
    return found[0] if found else None


async def upsert_quote(conn: Conn, *, status_id: int, account_id: int, quoted_uri: str,
                       quoted_status_id: int | None, quoted_account_id: int | None, state: str,
                       approval_uri: str | None, now: datetime,
                       activity_uri: str | None = None) -> None:
    await conn.execute(Q["upsert_quote"], status_id, account_id, quoted_uri, quoted_status_id,
                       quoted_account_id, state, approval_uri, activity_uri, now)


async def delete_quote(conn: Conn, *, status_id: int) -> bool:
    return await conn.execute(Q["delete_quote"], status_id) != "DELETE 0"


async def set_quote_state(conn: Conn, *, status_id: int, state: str, now: datetime) -> None:
    await conn.execute(Q["set_quote_state"], status_id, state, now)


async def revoke_by_approval(conn: Conn, *, approval_uri: str, account_id: int,
                             now: datetime) -> list[tuple[int, bool]]:
    """(quoting post's id, whether it is a member's) of each quote the stamp had allowed."""
    rows = await conn.fetch(Q["revoke_by_approval"], approval_uri, account_id, now)
    return [(r["status_id"], r["local"]) for r in rows]


@dataclass(frozen=True)
class NoteQuote:
    """What a Note says it quotes: the quoted post and, once allowed, the stamp."""
    quoted_uri: str
    authorization: str | None


async def list_quotes_for_notes(conn: Conn, *, status_ids: list[int]) -> dict[int, NoteQuote]:
    found: dict[int, NoteQuote] = {}
    for r in await conn.fetch(Q["list_quotes_for_notes"], status_ids):
        stamp = None
        if r["state"] == ACCEPTED:
            stamp = (authorization_uri(r["quoted_author_uri"], r["status_id"])
                     if r["quoted_local"] else r["approval_uri"])
        found[r["status_id"]] = NoteQuote(r["quoted_uri"], stamp)
    return found


async def get_authorization(conn: Conn, *, status_id: int,
                            quoted_account_id: int) -> tuple[str, str] | None:
    """(quoting post's uri, quoted post's uri) of an accepted quote of that member's post."""
    row = await conn.fetchrow(Q["get_authorization"], status_id, quoted_account_id)
    return (row["quoting_uri"], row["quoted_uri"]) if row else None


async def answer_request(conn: Conn, *, activity_uri: str, account_id: int, state: str,
                         approval_uri: str | None, now: datetime) -> int | None:
    """The quoting post's id when a pending request of ours by that id, to that account, was
    answered."""
    return await conn.fetchval(Q["answer_request"], activity_uri, account_id, state,
                               approval_uri, now)


@dataclass(frozen=True, slots=True)
class ReaderQuote:
    """list_quotes_for_reader's row: a post's quote as one reader stands to it."""
    status_id: int
    state: str
    quoted_status_id: int | None   # None when the quoted post is gone or deleted
    own: bool
    blocked_domain: bool
    blocked: bool
    muted: bool


async def list_quotes_for_reader(conn: Conn, *, status_ids: list[int], reader_id: int | None,
                                 now: datetime) -> list[ReaderQuote]:
    return [ReaderQuote(*r) for r in await conn.fetch(Q["list_quotes_for_reader"], status_ids,
                                                      reader_id, now)]


async def list_quotes_of(conn: Conn, *, status_id: int, max_id: int | None,
                         since_id: int | None, limit: int) -> list[int]:
    return [r[0] for r in await conn.fetch(Q["list_quotes_of"], status_id, max_id, since_id,
                                           limit)]


async def withdraw_quote(conn: Conn, *, status_id: int, now: datetime) -> str | None:
    return await conn.fetchval(Q["withdraw_quote"], status_id, now)  # type: ignore[no-any-return]
