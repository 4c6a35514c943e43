"""Sending push messages, as jobs.

A notification for a local account emits `notification.created`; `push.notification_created`
picks the recipient's subscriptions that want it and queues one `push.deliver` per
subscription, so one dead push service never holds back another device.

The push service's answer decides what happens next (RFC 8030 §6, §8):
- 2xx: done.
- 404 or 410: the subscription is gone for good; it is deleted.
- 408, 429 or 5xx: a passing failure; the job system retries with backoff.
- any other 4xx: the message will never be taken; the job gives up.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from server import jobs, jsonio
from server.federation.netguard import AddressRefusedError, check_url_host
from server.jobs import PermanentJobError, RetryLaterError
from server.jobs.context import JobContext
from server.push import ece, payload, queries, service, vapid

log = logging.getLogger(__name__)

FAN_OUT_KIND = "push.notification_created"
DELIVER_KIND = "push.deliver"
MAX_ATTEMPTS = 8              # with the queue's backoff: about an hour of trying
TTL_SECONDS = 48 * 3600       # how long the push service may hold a message for a sleeping phone
URGENCY = "normal"
TIMEOUT = aiohttp.ClientTimeout(total=20, connect=10)


async def notification_created(ctx: JobContext, job: dict[str, Any]) -> None:
    notification_id = int(job["notification_id"])
    now = ctx.clock.now()
    # Most accounts have no subscription: then this is one statement, with no transaction.
    async with ctx.db.acquire() as conn:
        targets = await queries.list_subscriptions_to_push(conn, notification_id=notification_id)
        if not targets:
            return
        async with conn.transaction():
            await jobs.enqueue_many(
                conn, DELIVER_KIND,
                [{"subscription_id": s, "notification_id": notification_id} for s in targets],
                now=now, max_attempts=MAX_ATTEMPTS)


@dataclass(frozen=True)
class Request:
    body: bytes
    headers: dict[str, str]


def build_request(message: queries.PushMessage, plaintext: bytes, *, key: queries.VapidKey,
                  sub: str, now: Any) -> Request:
    """The encrypted body and headers for one subscription, in the encoding it asked for."""
    private = vapid.load_private(key.private_pem)
    token = vapid.sign_token(private, endpoint=message.endpoint, sub=sub, now=now)
    ua_public = ece.b64url_decode(message.key_p256dh)
    auth = ece.load_auth(message.key_auth)
    headers = {"Content-Type": "application/octet-stream", "TTL": str(TTL_SECONDS),
               "Urgency": URGENCY}
    if message.standard:
        sealed = ece.encrypt_aes128gcm(plaintext, ua_public=ua_public, auth_secret=auth)
        headers["Content-Encoding"] = "aes128gcm"
        headers["Authorization"] = f"vapid t={token}, k={key.public_key}"
    else:
        sealed = ece.encrypt_aesgcm(plaintext, ua_public=ua_public, auth_secret=auth)
        headers["Content-Encoding"] = "aesgcm"
        headers["Encryption"] = f"salt={ece.b64url(sealed.salt)}"
        headers["Crypto-Key"] = (f"dh={ece.b64url(sealed.server_public)};"
                                 f"p256ecdsa={key.public_key}")
        headers["Authorization"] = f"WebPush {token}"
    return Request(body=sealed.body, headers=headers)


async def deliver(ctx: JobContext, job: dict[str, Any]) -> None:
    subscription_id = int(job["subscription_id"])
    now = ctx.clock.now()
    async with ctx.db.acquire() as conn:
        message = await queries.get_push_message(conn, subscription_id=subscription_id,
                                                 notification_id=int(job["notification_id"]))
        if message is None:
            return  # unsubscribed, or the notification was withdrawn: nothing to say
        key = await service.vapid_key(conn, now=now)
    access_token = service.open_token(message.sealed_token, secret=ctx.config.secret_key,
                                      token_id=message.access_token_id)
    doc = payload.build(ctx.config, message, access_token=access_token)
    request = build_request(message, jsonio.dumpb(doc), key=key, now=now,
                            sub=vapid.subject(contact_email=ctx.config.contact_email,
                                              base_url=ctx.config.base_url))
    status, retry_after = await _post(ctx, message.endpoint, request)
    if 200 <= status < 300:
        return
    reason = f"push service at {urlsplit(message.endpoint).netloc} answered HTTP {status}"
    if status in (404, 410):
        async with ctx.db.acquire() as conn:
            await queries.delete_subscription(conn, subscription_id=subscription_id)
        return
    if status in (408, 429) or status >= 500:
        raise RetryLaterError(reason, delay_seconds=retry_after)
    raise PermanentJobError(reason)


async def _post(ctx: JobContext, endpoint: str, request: Request) -> tuple[int, float | None]:
    """The push service's status, and the seconds it asked us to wait (Retry-After), if any."""
    assert ctx.http is not None, "push delivery needs the HTTP client session"
    try:
        # Host names are checked by the session's resolver; a literal address is checked here.
        check_url_host(urlsplit(endpoint).hostname or "",
                       allow_private=ctx.config.allow_private_addresses)
    except AddressRefusedError as exc:
        raise PermanentJobError(str(exc)) from None
    try:
        async with ctx.http.post(endpoint, data=request.body, headers=request.headers,
                                 timeout=TIMEOUT, allow_redirects=False) as response:
            await response.read()
            retry_after = response.headers.get("Retry-After", "").strip()
            return response.status, float(retry_after) if retry_after.isdigit() else None
    except AddressRefusedError as exc:
        raise PermanentJobError(str(exc)) from None
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        raise RetryLaterError(f"could not reach the push service: {type(exc).__name__} {exc}") from None
