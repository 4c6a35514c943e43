"""SQL for Web Push: the VAPID key and the subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.db import Conn, load_queries

Q = load_queries("server.push")


@dataclass(frozen=True, slots=True)
class VapidKey:
    private_pem: str
    public_key: str


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    endpoint: str
    standard: bool
    alerts: list[str]
    policy: str


@dataclass(frozen=True, slots=True)
class PushMessage:
    access_token_id: int
    endpoint: str
    key_p256dh: str
    key_auth: str
    standard: bool
    sealed_token: bytes
    locale: str
    notification_id: int
    type: str
    username: str
    display_name: str
    note: str
    avatar_path: str | None
    avatar_url: str | None
    suspended_at: datetime | None
    spoiler_text: str | None
    content: str | None


async def get_vapid_key(conn: Conn) -> VapidKey | None:
    row = await conn.fetchrow(Q["get_vapid_key"])
    return VapidKey(**dict(row)) if row is not None else None


async def insert_vapid_key(conn: Conn, *, private_pem: str, public_key: str,
                           now: datetime) -> None:
    await conn.execute(Q["insert_vapid_key"], private_pem, public_key, now)


async def replace_subscription(conn: Conn, *, subscription_id: int, access_token_id: int,
                               user_id: int, account_id: int, endpoint: str, key_p256dh: str,
                               key_auth: str, standard: bool, alerts: list[str], policy: str,
                               sealed_token: bytes, now: datetime) -> Subscription:
    row = await conn.fetchrow(Q["replace_subscription"], subscription_id, access_token_id,
                              user_id, account_id, endpoint, key_p256dh, key_auth, standard,
                              alerts, policy, sealed_token, now)
    assert row is not None
    return Subscription(**dict(row))


async def get_subscription_for_token(conn: Conn, *, access_token_id: int) -> Subscription | None:
    row = await conn.fetchrow(Q["get_subscription_for_token"], access_token_id)
    return Subscription(**dict(row)) if row is not None else None


async def update_subscription_data(conn: Conn, *, access_token_id: int, alerts: list[str],
                                   policy: str, now: datetime) -> Subscription | None:
    row = await conn.fetchrow(Q["update_subscription_data"], access_token_id, alerts, policy, now)
    return Subscription(**dict(row)) if row is not None else None


async def delete_subscription_for_token(conn: Conn, *, access_token_id: int) -> None:
    await conn.execute(Q["delete_subscription_for_token"], access_token_id)


async def delete_subscription(conn: Conn, *, subscription_id: int) -> None:
    await conn.execute(Q["delete_subscription"], subscription_id)


async def list_subscriptions_to_push(conn: Conn, *, notification_id: int) -> list[int]:
    return [r["id"] for r in await conn.fetch(Q["list_subscriptions_to_push"], notification_id)]


async def get_push_message(conn: Conn, *, subscription_id: int,
                           notification_id: int) -> PushMessage | None:
    row = await conn.fetchrow(Q["get_push_message"], subscription_id, notification_id)
    return PushMessage(**dict(row)) if row is not None else None
