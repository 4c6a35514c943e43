"""Fetching documents from other servers, with limits.

Every ActivityPub GET is signed by the instance actor (servers in authorized-fetch mode
refuse unsigned ones), except a key's first try (fetch_object_unsigned_first). Each
request is bounded: https only (plain http when the configuration allows it), public
addresses only (see `netguard`), at most three redirects with every hop checked again, a
size cap and a total time limit.

Failures are `FetchError`s. `retryable` tells a job whether trying later can help: a 404 or
410, a refused address or a document that is not what we asked for will not change, a 5xx,
a 429 or a timeout may.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import aiohttp

from server.errors import CommonholdError
from server.federation import uris
from server.federation.activitypub import instance_actor
from server.federation.activitypub.signatures import sign_request
from server.federation.jsonlimits import JsonRefusedError, parse_json_object
from server.federation.netguard import AddressRefusedError, check_url_host
from server.jobs import RetryLaterError
from server.jobs.context import JobContext

AP_ACCEPT = ('application/activity+json, '
             'application/ld+json; profile="https://www.w3.org/ns/activitystreams"')
JRD_ACCEPT = "application/jrd+json, application/json"
MAX_BYTES = 1024 * 1024
MAX_REDIRECTS = 3
T = TypeVar("T")
log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 20.0
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    retryable = False

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{message} ({url})")
        self.url = url
        self.reason = message


class FetchRefusedError(FetchError):
    """Our own rules forbid this request: scheme, address, redirects."""


class FetchTooLargeError(FetchRefusedError):
    pass


class FetchNotFoundError(FetchError):
    """404: there is nothing at that URL (any more)."""


class FetchGoneError(FetchNotFoundError):
    """410: it was there and was deleted."""


class FetchDeniedError(FetchError):
    """Another 4xx: the server will not give it to us."""

    def __init__(self, url: str, message: str, *, status: int = 0) -> None:
        super().__init__(url, message)
        self.status = status

    @property
    def wants_signature(self) -> bool:
        """401 or 403: what servers in authorized-fetch mode answer an unsigned GET."""
        return self.status in (401, 403)


class FetchInvalidError(FetchError):
    """An answer that is not the document we asked for (not JSON, wrong id, spoofed)."""


class FetchUnavailableError(FetchError):
    """5xx, 429, a timeout or a connection failure: it may work later."""

    retryable = True


async def for_job(fetching: Awaitable[T], *, what: str, url: str,
                  passing: tuple[type[Exception], ...] = ()) -> T | None:
    """What a job fetches, or None (logged) when it cannot be had: a server that is down makes
    the job retry later (RetryLaterError); anything else will not change by asking again.
    Exceptions in `passing` reach the caller."""
    try:
        return await fetching
    except passing:
        raise
    except FetchError as exc:
        if exc.retryable:
            raise RetryLaterError(str(exc)) from None
        log.info("%s %s not fetched: %s", what, url, exc)
    except CommonholdError as exc:
        log.info("%s %s refused: %s", what, url, exc.message)
    return None


@dataclass(frozen=True)
class Fetched:
    url: str  # where the document finally came from, after redirects
    data: dict[str, Any]
    signed: bool = True  # whether the GET that got it carried our signature


def client_failure(url: str, exc: aiohttp.ClientError) -> FetchError:
    """What an aiohttp failure means for a fetch: a refused address is final, anything else
    may work later."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, AddressRefusedError):
            return FetchRefusedError(url, str(exc.os_error))
        return FetchUnavailableError(url, f"cannot connect: {exc.os_error}")
    return FetchUnavailableError(url, f"request failed: {type(exc).__name__}")


def check_url(url: str, ctx: JobContext, *, schemes: tuple[str, ...] | None = None) -> None:
    """Refuse a URL before any connection is made (scheme, credentials, literal addresses).
    `schemes` defaults to what federation allows: https, and http only where configured."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise FetchRefusedError(url, "not a URL") from None
    allowed = schemes or (("https", "http") if ctx.config.allow_http else ("https",))
    if parts.scheme not in allowed:
        raise FetchRefusedError(url, f"{parts.scheme or 'a missing'} scheme is not allowed")
    if not parts.hostname or parts.username or parts.password:
        raise FetchRefusedError(url, "the URL has no host, or carries credentials")
    try:
        check_url_host(parts.hostname, allow_private=ctx.config.allow_private_addresses)
    except AddressRefusedError as exc:
        raise FetchRefusedError(url, str(exc)) from None


def _session(ctx: JobContext) -> aiohttp.ClientSession:
    if ctx.http is None:
        raise RuntimeError("this context has no HTTP client; build it with the app's session")
    return ctx.http


async def fetch_json(ctx: JobContext, url: str, *, accept: str = AP_ACCEPT, signed: bool = True,
                     max_bytes: int = MAX_BYTES, timeout: float = TIMEOUT_SECONDS) -> Fetched:
    """GET a JSON object, following at most MAX_REDIRECTS redirects."""
    signer = await instance_actor.get_instance_actor(ctx.db, ctx.clock) if signed else None

    def headers(url: str) -> dict[str, str]:
        if signer is None:
            return {"Accept": accept}
        return sign_request(
            method="GET", url=url, body=None, key_id=instance_actor.key_id(ctx.config),
            private_key=signer.private_key,  # type: ignore[arg-type]
            now=ctx.clock.now(), extra_headers={"Accept": accept})

    async def read(url: str, resp: aiohttp.ClientResponse) -> Fetched:
        _check_status(url, resp.status)
        return Fetched(url, _parse(url, await _read_capped(url, resp, max_bytes)), signed)

    return await get_following_redirects(ctx, _session(ctx), url, headers=headers, read=read,
                                         timeout=timeout)


async def get_following_redirects(ctx: JobContext, session: aiohttp.ClientSession, url: str, *,
                                  headers: Callable[[str], dict[str, str]],
                                  read: Callable[[str, aiohttp.ClientResponse], Awaitable[T]],
                                  timeout: float, schemes: tuple[str, ...] | None = None) -> T:
    """GET `url`, following at most MAX_REDIRECTS redirects by hand so that every hop is
    checked (check_url) before it is requested, all within `timeout`; `read` takes the
    final answer (any status but a redirect). `headers` are made per hop: a signature
    covers the URL it is sent to."""
    start = url
    try:
        async with asyncio.timeout(timeout):
            for _ in range(MAX_REDIRECTS + 1):
                check_url(url, ctx, schemes=schemes)
                async with session.get(url, headers=headers(url), allow_redirects=False) as resp:
                    if resp.status in _REDIRECTS:
                        location = resp.headers.get("Location")
                        if not location:
                            raise FetchInvalidError(url, "a redirect without a Location")
                        url = urljoin(url, location)
                        continue
                    return await read(url, resp)
    except TimeoutError:
        raise FetchUnavailableError(start, f"no answer within {timeout:g} s") from None
    except aiohttp.ClientError as exc:
        raise client_failure(url, exc) from None
    raise FetchRefusedError(start, f"more than {MAX_REDIRECTS} redirects")


async def fetch_object(ctx: JobContext, url: str, **kwargs: Any) -> Fetched:
    """A signed ActivityPub fetch whose document must carry an id on the host it came from
    (after redirects): a server vouches only for its own objects."""
    fetched = await fetch_json(ctx, url, **kwargs)
    object_id = fetched.data.get("id")
    if not isinstance(object_id, str) or not uris.acceptable_id(object_id, ctx.config):
        raise FetchInvalidError(url, "the document has no acceptable id")
    if not uris.same_host(object_id, fetched.url):
        raise FetchInvalidError(url, f"the document claims the id {object_id} from another host")
    return fetched


async def fetch_object_unsigned_first(ctx: JobContext, url: str, **kwargs: Any) -> Fetched:
    """fetch_object without a signature, then signed when the server asks for one (401 or
    403). Most servers serve actors and keys to anyone (Mastodon outside authorized-fetch
    mode, and in that mode Mastodon 3.x still serves the key in a restricted actor;
    GoToSocial serves a key stub at its key URL); those that do not answer 401. Signing a
    GET costs an RSA operation, the largest single CPU cost of fetching a new actor's key.
    A host that asked once is asked signed from the start for a while (_SignedHosts)."""
    host = uris.host_of(url)
    signed_hosts = _signed_hosts(ctx)
    if not signed_hosts.wants(host):
        try:
            return await fetch_object(ctx, url, signed=False, **kwargs)
        except FetchDeniedError as exc:
            if not exc.wants_signature:
                raise
            signed_hosts.add(host)
    return await fetch_object(ctx, url, **kwargs)


class _SignedHosts:
    """Hosts that refused an unsigned GET, remembered for REMEMBER_SECONDS (a server may
    turn authorized fetch off) and at most MAX_HOSTS of them: their next fetches go signed
    at once instead of paying a refused round trip first."""

    REMEMBER_SECONDS = 3600.0
    MAX_HOSTS = 4096

    def __init__(self) -> None:
        self._since: OrderedDict[str, float] = OrderedDict()

    def wants(self, host: str) -> bool:
        since = self._since.get(host)
        if since is None:
            return False
        if asyncio.get_running_loop().time() - since > self.REMEMBER_SECONDS:
            del self._since[host]
            return False
        return True

    def add(self, host: str) -> None:
        self._since[host] = asyncio.get_running_loop().time()
        self._since.move_to_end(host)
        if len(self._since) > self.MAX_HOSTS:
            self._since.popitem(last=False)


# Per database, as the instance actor is: two instances in one process (tests) each learn
# about hosts for themselves.
_SIGNED_HOSTS: weakref.WeakKeyDictionary[Any, _SignedHosts] = weakref.WeakKeyDictionary()


def _signed_hosts(ctx: JobContext) -> _SignedHosts:
    found = _SIGNED_HOSTS.get(ctx.db)
    if found is None:
        found = _SIGNED_HOSTS[ctx.db] = _SignedHosts()
    return found


def _check_status(url: str, status: int) -> None:
    if 200 <= status < 300:
        return
    if status == 410:
        raise FetchGoneError(url, "gone (410)")
    if status == 404:
        raise FetchNotFoundError(url, "not found (404)")
    if status in (408, 429) or status >= 500:
        raise FetchUnavailableError(url, f"the server answered {status}")
    raise FetchDeniedError(url, f"the server answered {status}", status=status)


async def _read_capped(url: str, resp: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    declared = resp.content_length
    if declared is not None and declared > max_bytes:
        raise FetchTooLargeError(url, f"the document is larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise FetchTooLargeError(url, f"the document is larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(url: str, body: bytes) -> dict[str, Any]:
    try:
        return parse_json_object(body)
    except JsonRefusedError as exc:
        raise FetchInvalidError(url, str(exc)) from None
