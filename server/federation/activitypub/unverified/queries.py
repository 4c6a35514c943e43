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


@dataclass(frozen=True, slots=True)
class ItemToDefer:
    """One POST to keep (defer_unverified's arguments that differ from POST to POST)."""

    item_id: int
    activity_id: str
    actor_uri: str
    type: str
    host: str
    raw_json: str
    inbox_account_id: int | None
    received_at: datetime
    parsed: ParsedSignature
    ordering_key: str
    domains: list[str]
    deletes_actor: bool


async def defer_unverified(conn: Conn, *, item_id: int, activity_id: str, actor_uri: str,
                           type: str, host: str, raw_json: str, inbox_account_id: int | None,
                           received_at: datetime, parsed: ParsedSignature, per_host: int,
                           total: int, job_kind: str, channel: str | None, job_attempts: int,
                           stale_before: datetime, purge_limit: int,
                           ordering_key: str, domains: list[str], deletes_actor: bool,
                           count_total: bool = True) -> DeferOutcome:
    item = ItemToDefer(item_id, activity_id, actor_uri, type, host, raw_json, inbox_account_id,
                       received_at, parsed, ordering_key, domains, deletes_actor)
    [outcome] = await defer_unverified_many(
        conn, items=[item], per_host=per_host, total=total, job_kind=job_kind, channel=channel,
        job_attempts=job_attempts, stale_before=stale_before, purge_limit=purge_limit,
        count_total=[count_total])
    return outcome


async def defer_unverified_many(conn: Conn, *, items: list[ItemToDefer], per_host: int,
                                total: int, job_kind: str, channel: str | None,
                                job_attempts: int, stale_before: datetime, purge_limit: int,
                                count_total: list[bool]) -> list[DeferOutcome]:
    """defer_unverified for each item in turn, sent together and committed once (one
    extended-protocol pipeline with one Sync is one implicit transaction; each statement
    sees the rows kept by those before it, so the bounds count them). The NOTIFY, when
    `channel` is given, goes with the first item only (one per commit is enough)."""
    args = [
        (it.item_id, it.activity_id, it.actor_uri, it.type, it.host, it.raw_json,
         it.inbox_account_id, it.received_at, it.parsed.scheme, it.parsed.key_id,
         it.parsed.algorithm, it.parsed.signing_string, it.parsed.legacy_signing_string,
         it.parsed.signature, list(it.parsed.covered), it.parsed.created, per_host, total,
         job_kind, channel if i == 0 else None, job_attempts, stale_before, purge_limit,
         it.ordering_key, count, it.domains, it.deletes_actor)
        for i, (it, count) in enumerate(zip(items, count_total, strict=True))]
    if len(args) == 1:  # one round trip either way; fetchrow keeps the plain path
        rows = [await conn.fetchrow(Q["defer_unverified"], *args[0])]
    else:
        rows = await conn.fetchmany(Q["defer_unverified"], args)
    if len(rows) != len(items):
        raise RuntimeError(f"defer_unverified answered {len(rows)} rows for {len(items)}")
    return [_deferred(row, it.parsed.key_id) for row, it in zip(rows, items)]


def _deferred(row: Any, key_id: str) -> DeferOutcome:
    dropped = ("domain suspended" if row["domain_suspended"] else
               "actor suspended" if row["actor_suspended"] else
               "Delete of an actor we never knew" if row["unknown_actor_deleted"] else None)
    return DeferOutcome(row["has_room"], row["seen"], row["kept"], _key_owner(row, key_id),
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


async def mark_web_saturated(conn: Conn, *, process: str, seconds: float) -> None:
    await conn.execute(Q["mark_web_saturated"], process, seconds)


async def any_web_saturated(conn: Conn) -> bool:
    return bool(await conn.fetchval(Q["any_web_saturated"]))
