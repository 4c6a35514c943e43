"""SQL for federation bookkeeping shared by both protocols (delivery health)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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


async def get_delivery_context(conn: Conn, *, account_id: int, host: str
                               ) -> tuple[tuple[str, str] | None, DeliveryHost | None]:
    """(the sender's private key PEM and key id, or None) and the host's health (or None)."""
    row = await conn.fetchrow(Q["get_delivery_context"], account_id, host)
    key = (row["private_key_pem"], row["public_key_id"]) if row["private_key_pem"] else None
    health = DeliveryHost(**{f: row[f] for f in DeliveryHost.__slots__}) if row["host"] else None
    return key, health


async def record_delivery_success(conn: Conn, *, host: str, now: datetime) -> None:
    await conn.execute(Q["record_delivery_success"], host, now)


async def record_delivery_failure(conn: Conn, *, host: str, now: datetime, error: str,
                                  threshold: int, span: timedelta) -> DeliveryHost | None:
    await conn.execute(Q["record_delivery_failure"], host, now, error[:500], threshold, span)
    return await get_delivery_host(conn, host=host)


async def list_unavailable_hosts(conn: Conn) -> list[dict[str, object]]:
    return [dict(r) for r in await conn.fetch(Q["list_unavailable_hosts"])]
