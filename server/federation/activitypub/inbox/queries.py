"""SQL for the inbox handlers' own bookkeeping: out-of-order markers and account moves."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from server.accounts.queries import Account
from server.db import Conn, load_queries

Q = load_queries("server.federation.activitypub.inbox")


async def remember_tombstone(conn: Conn, *, uri: str, actor_uri: str, now: datetime) -> None:
    await conn.execute(Q["remember_tombstone"], uri, actor_uri, now)


async def has_tombstone(conn: Conn, *, uri: str, actor_uri: str, since: datetime) -> bool:
    return bool(await conn.fetchval(Q["has_tombstone"], uri, actor_uri, since))


@dataclass(frozen=True, slots=True)
class PostArrival:
    tombstoned: bool
    stored: bool
    author: Account | None


_ACCOUNT_FIELDS = tuple(f.name for f in fields(Account))


async def get_post_arrival(conn: Conn, *, uri: str, actor_uri: str, since: datetime,
                           author_uri: str) -> PostArrival:
    row = await conn.fetchrow(Q["get_post_arrival"], uri, actor_uri, since, author_uri)
    assert row is not None
    author = Account(**{f: row[f] for f in _ACCOUNT_FIELDS}) if row["id"] is not None else None
    return PostArrival(bool(row["tombstoned"]), bool(row["stored"]), author)


async def get_post_arrivals(conn: Conn, *, posts: list[tuple[str, str, str]],
                            since: datetime) -> list[PostArrival]:
    """get_post_arrival for each (uri, actor_uri, author_uri), in the order given."""
    uris, actors, authors = (list(c) for c in zip(*posts)) if posts else ([], [], [])
    rows = await conn.fetch(Q["get_post_arrivals"], uris, actors, since, authors)
    return [PostArrival(bool(r["tombstoned"]), bool(r["stored"]),
                        Account(**{f: r[f] for f in _ACCOUNT_FIELDS}) if r["id"] is not None
                        else None)
            for r in rows]


async def delete_old_tombstones(conn: Conn, *, before: datetime) -> None:
    await conn.execute(Q["delete_old_tombstones"], before)


async def set_moved_to(conn: Conn, *, account_id: int, moved_to_account_id: int,
                       now: datetime) -> None:
    await conn.execute(Q["set_moved_to"], account_id, moved_to_account_id, now)


async def commit_without_flush(conn: Conn) -> None:
    await conn.execute(Q["commit_without_flush"])


@dataclass(frozen=True, slots=True)
class PlainPost:
    """A remote post replying to nothing, as insert_plain_posts stores it."""
    id: int
    account_id: int
    uri: str
    url: str
    content: str
    spoiler_text: str
    sensitive: bool
    visibility: str
    language: str | None
    created_at: datetime


async def insert_plain_posts(conn: Conn, *, posts: list[PlainPost], now: datetime) -> set[int]:
    """The ids of the posts inserted (a URI stored already is skipped)."""
    if not posts:
        return set()
    columns = [[getattr(p, f.name) for p in posts] for f in fields(PlainPost)]
    return {r["id"] for r in await conn.fetch(Q["insert_plain_posts"], *columns, now)}


async def tag_posts(conn: Conn, *, uses: list[tuple[int, str]], ids: list[int],
                    now: datetime) -> None:
    """Attach tags to posts: `uses` are (status id, tag name) pairs, `ids` fresh ids for
    tags that are new, one per pair."""
    if not uses:
        return
    status_ids, names = [u[0] for u in uses], [u[1] for u in uses]
    found = await conn.fetchval(Q["tag_posts"], status_ids, names, ids, now)
    if found < len({n.lower() for n in names}):
        await conn.fetchval(Q["tag_posts"], status_ids, names, ids, now)  # see the query


async def notify_many(conn: Conn, *, channel: str, payloads: list[str]) -> None:
    if payloads:
        await conn.fetchval(Q["notify_many"], channel, payloads)
