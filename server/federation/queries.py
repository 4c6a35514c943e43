"""SQL for remote actors, keys, reports, domain policies, delivery health and what the
discovery documents count; the only place that knows these queries' parameter order."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.federation")


@dataclass(frozen=True, slots=True)
class DeliveryHost:
    host: str
    consecutive_failures: int
    first_failure_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    unavailable_since: datetime | None
    last_success_at: datetime | None


async def get_delivery_host(conn: Conn, *, host: str) -> DeliveryHost | None:
    row = await conn.fetchrow(Q["get_delivery_host"], host)
    return DeliveryHost(**dict(row)) if row else None


async def get_delivery_contexts(conn: Conn, *, pairs: list[tuple[int, str]],
                                instance_key_id: str
                                ) -> list[tuple[tuple[str, str] | None, DeliveryHost | None]]:
    """For each (sender account id, host) pair, in their order: (the sender's private key PEM
    and key id, or None) and the host's health (or None). Sender 0 is the instance actor."""
    rows = await conn.fetch(Q["get_delivery_contexts"], [a for a, _ in pairs],
                            [h for _, h in pairs], instance_key_id)
    found: list[tuple[tuple[str, str] | None, DeliveryHost | None]] = [(None, None)] * len(pairs)
    for row in rows:
        key = (row["private_key_pem"], row["public_key_id"]) if row["private_key_pem"] else None
        health = (DeliveryHost(*row[3:]) if row["host"] else None)
        found[row["n"] - 1] = (key, health)
    return found


async def record_delivery_successes(conn: Conn, *, hosts: list[str], now: datetime) -> None:
    """Hosts (distinct) that took a delivery at `now`."""
    await conn.execute(Q["record_delivery_successes"], hosts, now)


async def record_delivery_failure(conn: Conn, *, host: str, now: datetime, error: str,
                                  threshold: int, span: timedelta) -> DeliveryHost | None:
    """One statement: the host's row as it is after this failure."""
    row = await conn.fetchrow(Q["record_delivery_failure"], host, now, error[:500], threshold, span)
    return DeliveryHost(*row) if row else None


async def list_unavailable_hosts(conn: Conn) -> list[dict[str, object]]:
    return [dict(r) for r in await conn.fetch(Q["list_unavailable_hosts"])]


@dataclass(frozen=True, slots=True)
class InstanceActorKeys:
    public_key_pem: str
    private_key_pem: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ActorRef:
    """The little about an actor that signature checks and handlers need."""

    id: int
    uri: str
    domain: str | None
    public_key_id: str | None
    public_key_pem: str | None
    fetched_at: datetime | None
    suspended_at: datetime | None


@dataclass(frozen=True, slots=True)
class RemoteActorRow:
    """Everything an actor document gives us, ready to store (see remote_actors.parse_actor)."""

    username: str
    domain: str
    display_name: str
    note: str
    uri: str
    url: str | None
    inbox_url: str | None
    shared_inbox_url: str | None
    outbox_url: str | None
    followers_url: str | None
    following_url: str | None
    featured_url: str | None
    actor_type: str
    public_key_pem: str | None
    public_key_id: str | None
    locked: bool
    bot: bool
    discoverable: bool
    indexable: bool
    avatar_url: str | None
    header_url: str | None
    fields: list[dict[str, str]]
    also_known_as: list[str]
    moved_to_uri: str | None

    def columns(self) -> tuple[Any, ...]:
        """The values in the order the statements that store an actor take them: the
        fields' order, username to moved_to_uri."""
        return tuple(getattr(self, f.name) for f in fields(self))


async def get_instance_actor(conn: Conn) -> InstanceActorKeys | None:
    row = await conn.fetchrow(Q["get_instance_actor"])
    return InstanceActorKeys(**dict(row)) if row else None


async def insert_instance_actor(conn: Conn, *, public_key_pem: str, private_key_pem: str,
                                now: datetime) -> None:
    await conn.execute(Q["insert_instance_actor"], public_key_pem, private_key_pem, now)


async def get_key_owner(conn: Conn, *, key_id: str) -> ActorRef | None:
    row = await conn.fetchrow(Q["get_key_owner"], key_id)
    return ActorRef(**dict(row)) if row else None


async def get_actor_ref(conn: Conn, *, uri: str) -> ActorRef | None:
    row = await conn.fetchrow(Q["get_actor_ref"], uri)
    return ActorRef(**dict(row)) if row else None


async def get_remote_account_id_by_acct(conn: Conn, *, username: str, domain: str) -> int | None:
    return await conn.fetchval(Q["get_remote_account_id_by_acct"], username, domain)


async def insert_remote_account(conn: Conn, *, account_id: int, row: RemoteActorRow,
                                moved_to_account_id: int | None, now: datetime) -> int | None:
    """The stored id (new or existing for this uri); None when the uri is a local account's."""
    return await conn.fetchval(Q["insert_remote_account"], account_id, *row.columns(),
                               moved_to_account_id, now)


async def update_remote_account(conn: Conn, *, account_id: int, row: RemoteActorRow,
                                moved_to_account_id: int | None, now: datetime) -> int | None:
    r = row
    return await conn.fetchval(
        Q["update_remote_account"], account_id, r.username, r.display_name, r.note, r.uri, r.url,
        r.inbox_url, r.shared_inbox_url, r.outbox_url, r.followers_url, r.following_url,
        r.featured_url, r.actor_type, r.public_key_pem, r.public_key_id, r.locked, r.bot,
        r.discoverable, r.indexable, r.avatar_url, r.header_url, r.fields, r.also_known_as,
        r.moved_to_uri, moved_to_account_id, now)


async def update_remote_counts(conn: Conn, *, account_id: int, followers: int | None,
                               following: int | None, statuses: int | None) -> None:
    await conn.execute(Q["update_remote_counts"], account_id, followers, following, statuses)


async def get_remote_counts(conn: Conn, *, account_id: int) -> dict[str, int | None]:
    row = await conn.fetchrow(Q["get_remote_counts"], account_id)
    return dict(row) if row else {}


async def suspend_remote_account(conn: Conn, *, account_id: int, now: datetime) -> bool:
    return await conn.fetchval(Q["suspend_remote_account"], account_id, now) is not None


async def list_live_status_ids_by_account(conn: Conn, *, account_id: int, limit: int) -> list[int]:
    return [r["id"] for r in await conn.fetch(Q["list_live_status_ids_by_account"], account_id,
                                              limit)]


async def delete_follows_of_account(conn: Conn, *, account_id: int) -> None:
    await conn.execute(Q["delete_follows_of_account"], account_id)
    await conn.execute(Q["delete_follow_requests_of_account"], account_id)


async def insert_report(conn: Conn, *, report_id: int, uri: str | None, reporter_account_id: int,
                        target_account_ids: list[int], status_uris: list[str], comment: str,
                        origin_domain: str | None, received_at: datetime) -> int | None:
    return await conn.fetchval(Q["insert_report"], report_id, uri, reporter_account_id,
                               target_account_ids, status_uris, comment, origin_domain,
                               received_at)


async def list_reports(conn: Conn, *, limit: int = 50) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_reports"], limit)]


async def list_domain_policies_for(conn: Conn, *, domains: list[str]) -> list[dict[str, str]]:
    return [dict(r) for r in await conn.fetch(Q["list_domain_policies_for"], domains)]


async def get_local_actor(conn: Conn, *, username: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["get_local_actor"], username)
    return dict(row) if row else None


async def count_active_local_users(conn: Conn, *, since: datetime) -> int:
    return int(await conn.fetchval(Q["count_active_local_users"], since))


async def count_local_posts(conn: Conn) -> int:
    return int(await conn.fetchval(Q["count_local_posts"]))


async def insert_delivery_payload(conn: Conn, *, body: bytes, now: datetime, purge_before: datetime,
                                  purge_limit: int) -> int:
    return int(await conn.fetchval(Q["insert_delivery_payload"], body, now, purge_before,
                                   purge_limit))


async def get_delivery_payload(conn: Conn, *, payload_id: int) -> bytes | None:
    body = await conn.fetchval(Q["get_delivery_payload"], payload_id)
    return bytes(body) if body is not None else None
