"""SQL for the governance actor and the votes it receives (see queries.sql)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.governance.federation")


async def get_coop_account_id(conn: Conn) -> int | None:
    return await conn.fetchval(Q["get_coop_account_id"])


async def insert_coop_account(conn: Conn, *, account_id: int, display_name: str, note: str,
                              urls: dict[str, str], public_key_pem: str, public_key_id: str,
                              private_key_pem: str, now: datetime) -> None:
    await conn.execute(Q["insert_coop_account"], account_id, display_name, note, urls["uri"],
                       urls["url"], urls["inbox_url"], urls["shared_inbox_url"],
                       urls["outbox_url"], urls["followers_url"], public_key_pem, public_key_id,
                       private_key_pem, now)


async def get_coop_actor(conn: Conn, *, account_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_coop_actor"], account_id)
    return dict(row) if row else None


async def list_follower_inboxes(conn: Conn, *, account_id: int) -> list[str]:
    return [r["inbox"] for r in await conn.fetch(Q["list_follower_inboxes"], account_id)]


async def list_remote_members(conn: Conn) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_remote_members"])]


async def insert_federated_vote(conn: Conn, *, vote_id: int, proposal_id: int, account_id: int,
                                uri: str, choice: str, counted: bool, reason: str | None,
                                now: datetime) -> bool:
    return await conn.fetchval(Q["insert_federated_vote"], vote_id, proposal_id, account_id, uri,
                               choice, counted, reason, now) is not None


async def federated_vote_seen(conn: Conn, *, uri: str) -> bool:
    return bool(await conn.fetchval(Q["federated_vote_seen"], uri))


async def list_federated_votes(conn: Conn, *, proposal_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_federated_votes"], proposal_id)]
