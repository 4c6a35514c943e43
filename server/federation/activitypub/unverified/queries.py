"""SQL for inbox POSTs that wait for their signer's key (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries
from server.federation.activitypub.sigcore import ParsedSignature
from server.federation.queries import ActorRef, RemoteActorRow
from server.jobs.queries import ClaimedJob

Q = load_queries("server.federation.activitypub.unverified")


@dataclass(frozen=True, slots=True)
class DeferOutcome:
    has_room: bool
    seen: bool   # already waiting or already stored: nothing kept, the answer is still 202
    kept: bool
    key_owner: ActorRef | None  # the database has the key after all: nothing kept
    total: int | None = None    # how many wait in all (at most the bound), when counted
    dropped: str | None = None  # the inbox's policy drops it (get_inbox_sender_state's why)


@dataclass(frozen=True, slots=True)
class Unverified:
    id: int
    activity_id: str
    actor_uri: str
    type: str
    host: str
    raw: str
    inbox_account_id: int | None
    received_at: datetime
    signature: ParsedSignature
    key_owner: ActorRef | None  # whom the database gives the key id to, when read


@dataclass(frozen=True, slots=True)
class HandOver:
    found: bool
    domain_suspended: bool
    actor_suspended: bool
    stored: bool


async def defer_unverified(conn: Conn, *, item_id: int, activity_id: str, actor_uri: str,
                           type: str, host: str, raw_json: str, inbox_account_id: int | None,
                           received_at: datetime, parsed: ParsedSignature, per_host: int,
                           total: int, job_kind: str, channel: str | None, job_attempts: int,
                           stale_before: datetime, purge_limit: int,
                           ordering_key: str, domains: list[str], deletes_actor: bool,
                           count_total: bool = True) -> DeferOutcome:
    row = await conn.fetchrow(
        Q["defer_unverified"], item_id, activity_id, actor_uri, type, host, raw_json,
        inbox_account_id, received_at, parsed.scheme, parsed.key_id, parsed.algorithm,
        parsed.signing_string, parsed.legacy_signing_string, parsed.signature,
        list(parsed.covered), parsed.created, per_host, total, job_kind, channel, job_attempts,
        stale_before, purge_limit, ordering_key, count_total, domains, deletes_actor)
    dropped = ("domain suspended" if row["domain_suspended"] else
               "actor suspended" if row["actor_suspended"] else
               "Delete of an actor we never knew" if row["unknown_actor_deleted"] else None)
    return DeferOutcome(row["has_room"], row["seen"], row["kept"], _key_owner(row, parsed.key_id),
                        row["total"], dropped)


def _key_owner(row: Any, key_id: str) -> ActorRef | None:
    if row["key_account_id"] is None:
        return None
    return ActorRef(row["key_account_id"], row["key_owner_uri"], row["key_domain"], key_id,
                    row["key_pem"], row["key_fetched_at"], row["key_suspended_at"])


async def get_unverified(conn: Conn, *, item_id: int) -> Unverified | None:
    row = await conn.fetchrow(Q["get_unverified"], item_id)
    if row is None:
        return None
    parsed = ParsedSignature(
        scheme=row["sig_scheme"], key_id=row["key_id"], algorithm=row["sig_algorithm"],
        signing_string=bytes(row["signing_string"]), signature=bytes(row["signature"]),
        covered=tuple(row["covered"]), created=row["sig_created"],
        legacy_signing_string=(bytes(row["legacy_signing_string"])
                               if row["legacy_signing_string"] is not None else None))
    return Unverified(row["id"], row["activity_id"], row["actor_uri"], row["type"], row["host"],
                      row["raw"], row["inbox_account_id"], row["received_at"], parsed,
                      _key_owner(row, parsed.key_id))


async def hand_over_unverified(conn: Conn, *, item_id: int, new_item_id: int,
                               domains: list[str], signed_by: str, job_kind: str,
                               channel: str | None) -> HandOver:
    row = await conn.fetchrow(Q["hand_over_unverified"], item_id, new_item_id, domains,
                              signed_by, job_kind, channel)
    return HandOver(row["found"], row["domain_suspended"], row["actor_suspended"], row["stored"])


async def insert_fetched_actor(conn: Conn, *, account_id: int, row: RemoteActorRow,
                               now: datetime, counts: dict[str, int | None],
                               job_kind: str | None, channel: str | None,
                               refetch: bool = False) -> int | None:
    """The new account's id, or None when the uri or the name is taken (see the SQL)."""
    return await conn.fetchval(
        Q["insert_fetched_actor"], account_id, *row.columns(), now, counts.get("followers"),
        counts.get("following"), counts.get("statuses"), job_kind, channel, refetch)


async def delete_unverified(conn: Conn, *, item_id: int) -> None:
    await conn.execute(Q["delete_unverified"], item_id)


async def count_unverified(conn: Conn) -> int:
    return await conn.fetchval(Q["count_unverified"])


async def finish_and_claim_verify_jobs(conn: Conn, *, finished_ids: list[int], now: datetime,
                                       limit: int, locked_until: datetime) -> list[ClaimedJob]:
    rows = await conn.fetch(Q["finish_and_claim_verify_jobs"], finished_ids, now, limit,
                            locked_until)
    return [ClaimedJob(**dict(r)) for r in sorted(rows, key=lambda r: r["id"])]
