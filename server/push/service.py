"""Push subscriptions: one per access token, made, read, changed and removed through the
client API; and the instance's VAPID key they are all bound to."""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from server.db import Conn, Database
from server.errors import NotFoundError, ValidationError
from server.ids import new_id
from server.notifications.service import TYPES
from server.push import ece, queries, vapid
from server.push.queries import Subscription

POLICIES = ("all", "followed", "follower", "none")
MAX_ENDPOINT = 2048
# ActiveModel's boolean cast, which Mastodon applies to each alert: these read as false,
# any other non-empty value as true.
_FALSE_WORDS = frozenset({"false", "0", "f", "off", "no", ""})


@dataclass(frozen=True)
class SubscriptionData:
    alerts: list[str]
    policy: str


@dataclass(frozen=True)
class NewSubscription:
    endpoint: str
    p256dh: str
    auth: str
    standard: bool
    data: SubscriptionData


async def vapid_key(conn: Conn, *, now: datetime) -> queries.VapidKey:
    """The instance's key pair, made on first use and kept for good."""
    key = await queries.get_vapid_key(conn)
    if key is None:
        private = vapid.generate_private_pem()
        await queries.insert_vapid_key(conn, private_pem=private,
                                       public_key=vapid.public_key_b64(vapid.load_private(private)),
                                       now=now)
        key = await queries.get_vapid_key(conn)
        assert key is not None
    return key


# The public key never changes once made: each process reads it once per database.
_PUBLIC_KEYS: weakref.WeakKeyDictionary[Database, str] = weakref.WeakKeyDictionary()


async def public_key(db: Database, *, now: datetime) -> str:
    """The application server key clients subscribe with (instance and app entities)."""
    known = _PUBLIC_KEYS.get(db)
    if known is None:
        async with db.acquire() as conn:
            known = _PUBLIC_KEYS[db] = (await vapid_key(conn, now=now)).public_key
    return known


def _truthy(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return str(value).strip().lower() not in _FALSE_WORDS


def check_data(alerts: object, policy: str | None) -> SubscriptionData:
    """`data[alerts][type]` flags (unknown types ignored, as Mastodon's permit does) and
    `data[policy]`."""
    if alerts is not None and not isinstance(alerts, dict):
        raise ValidationError("data[alerts] must be an object", field="data[alerts]")
    enabled = [t for t in TYPES if _truthy((alerts or {}).get(t))]
    chosen = policy or "all"
    if chosen not in POLICIES:
        raise ValidationError(f"data[policy] must be one of {', '.join(POLICIES)}",
                              field="data[policy]")
    return SubscriptionData(alerts=enabled, policy=chosen)


def check_subscription(*, endpoint: str | None, p256dh: str | None, auth: str | None,
                       standard: bool | None, data: SubscriptionData,
                       allow_http: bool) -> NewSubscription:
    if not endpoint:
        raise ValidationError("subscription[endpoint] can't be blank", field="subscription[endpoint]")
    parts = urlsplit(endpoint)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname or len(endpoint) > MAX_ENDPOINT:
        raise ValidationError("subscription[endpoint] must be an https URL",
                              field="subscription[endpoint]")
    if not p256dh:
        raise ValidationError("subscription[keys][p256dh] can't be blank",
                              field="subscription[keys][p256dh]")
    if not auth:
        raise ValidationError("subscription[keys][auth] can't be blank",
                              field="subscription[keys][auth]")
    try:
        ece.load_p256dh(p256dh)
    except ece.BadKeyError as exc:
        raise ValidationError(f"subscription[keys][p256dh] is invalid: {exc}",
                              field="subscription[keys][p256dh]") from None
    try:
        ece.load_auth(auth)
    except ece.BadKeyError as exc:
        raise ValidationError(f"subscription[keys][auth] is invalid: {exc}",
                              field="subscription[keys][auth]") from None
    return NewSubscription(endpoint=endpoint, p256dh=p256dh, auth=auth,
                           standard=bool(standard), data=data)


def _token_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=16, salt=None,
                info=b"commonhold web push access token").derive(secret.encode())


def seal_token(token: str, *, secret: str, token_id: int) -> bytes:
    """The bearer token, encrypted and bound to its own id, for the push payload."""
    nonce = os.urandom(12)
    return nonce + AESGCM(_token_key(secret)).encrypt(nonce, token.encode(),
                                                      token_id.to_bytes(8, "big"))


def open_token(sealed: bytes, *, secret: str, token_id: int) -> str | None:
    """None when the instance secret has changed since: the push still goes, without it."""
    try:
        return AESGCM(_token_key(secret)).decrypt(sealed[:12], sealed[12:],
                                                  token_id.to_bytes(8, "big")).decode()
    except (InvalidTag, ValueError):
        return None


async def subscribe(conn: Conn, *, token_id: int, token: str, user_id: int, account_id: int,
                    new: NewSubscription, secret: str, now: datetime) -> Subscription:
    return await queries.replace_subscription(
        conn, subscription_id=new_id(), access_token_id=token_id, user_id=user_id,
        account_id=account_id, endpoint=new.endpoint, key_p256dh=new.p256dh, key_auth=new.auth,
        standard=new.standard, alerts=new.data.alerts, policy=new.data.policy,
        sealed_token=seal_token(token, secret=secret, token_id=token_id), now=now)


async def get_subscription(conn: Conn, *, token_id: int) -> Subscription:
    found = await queries.get_subscription_for_token(conn, access_token_id=token_id)
    if found is None:
        raise NotFoundError("Record not found")
    return found


async def update_subscription(conn: Conn, *, token_id: int, data: SubscriptionData,
                              now: datetime) -> Subscription:
    found = await queries.update_subscription_data(conn, access_token_id=token_id,
                                                   alerts=data.alerts, policy=data.policy, now=now)
    if found is None:
        raise NotFoundError("Record not found")
    return found


async def unsubscribe(conn: Conn, *, token_id: int) -> None:
    await queries.delete_subscription_for_token(conn, access_token_id=token_id)
