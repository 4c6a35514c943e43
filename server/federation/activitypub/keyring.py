"""Finding the public key behind a signature's key id.

Known keys come from the accounts table (`public_key_id`, `public_key_pem`), loaded once per
process. An unknown key is fetched from its server: the key id without its fragment gives
either the actor (Mastodon: `.../users/alice#main-key`) or a key document naming its owner
(GoToSocial: `.../users/bob/main-key`), and the owner's actor document is stored. The
first GET goes unsigned (most servers serve keys to anyone; one that wants a signature
answers 401 and gets a signed GET), and the owner's collection totals are not fetched: a
new actor then costs one GET and no RSA signature.

Fetching never holds a database connection, is bounded in time, and only a limited number
run at once, each key id fetched once however many requests wait for it. So a slow server
delays only its own activities; activities signed by known keys never wait for it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from server.errors import ServiceUnavailableError, SignatureError
from server.federation import queries, uris
from server.federation.activitypub.fetch import (
    Fetched,
    FetchError,
    fetch_object_unsigned_first,
)
from server.federation.activitypub.parse import ACTOR_TYPES
from server.federation.activitypub.remote_actors import (
    embedded_counts,
    insert_new_actor,
    is_restricted,
    parse_actor,
    store_actor,
)
from server.federation.activitypub.signatures import (
    ParsedSignature,
    PublicKey,
    load_public_key,
    parse_request_signature,
    verify_parsed,
)
from server.federation.queries import ActorRef
from server.jobs.context import JobContext

FETCH_TIMEOUT_SECONDS = 10.0
MAX_CONCURRENT_FETCHES = 32
# A key that fails to verify is refetched at most this often, so a stream of bad
# signatures cannot make us fetch an actor over and over.
REFRESH_INTERVAL = timedelta(minutes=1)
_PARSED_CACHE_SIZE = 4096
_SIGNER_CACHE_SIZE = 8192


class KeyUnavailableError(ServiceUnavailableError):
    """The key's server did not answer in time: the sender should try again later."""

    code = "key_unavailable"


@dataclass(frozen=True)
class SignerKey:
    key_id: str
    owner_uri: str
    account_id: int
    public_key: PublicKey
    fetched_at: datetime | None
    fresh: bool  # fetched for this request: refetching cannot help
    pem: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class RememberedKey:
    """A key that verified a request before. Only a hint: whoever uses it must check, in
    the statement that acts on it, that the database still gives this key to this owner."""

    key_id: str
    owner_uri: str
    pem: str


_parsed: OrderedDict[str, PublicKey] = OrderedDict()
# key id -> the key that last verified for it, so a known sender's request needs no lookup
# before its signature is checked. Processes share one database and keep no state of their
# own, so this may be stale (a key rotated or an actor deleted by another process): the
# inbox's one statement re-checks the owner and the key, and falls back when they changed.
_remembered: OrderedDict[str, RememberedKey] = OrderedDict()
# Keyed by database too: two instances in one process (tests) must not share a fetch whose
# result lands in only one of them.
_inflight: dict[tuple[int, str], asyncio.Task[ActorRef]] = {}
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary())


def _load(pem: str) -> PublicKey:
    key = _parsed.get(pem)
    if key is None:
        key = load_public_key(pem)
        _parsed[pem] = key
        if len(_parsed) > _PARSED_CACHE_SIZE:
            _parsed.popitem(last=False)
    else:
        _parsed.move_to_end(pem)
    return key


def _signer(ref: ActorRef, key_id: str, *, fresh: bool) -> SignerKey:
    if not ref.public_key_pem or ref.public_key_id != key_id:
        raise SignatureError("the signer does not publish that key", reason="unknown_key")
    return SignerKey(key_id, ref.uri, ref.id, _load(ref.public_key_pem), ref.fetched_at, fresh,
                     ref.public_key_pem)


def remembered(key_id: str) -> tuple[RememberedKey, PublicKey] | None:
    entry = _remembered.get(key_id)
    if entry is None:
        return None
    _remembered.move_to_end(key_id)
    return entry, _load(entry.pem)


def remember(key: SignerKey) -> None:
    _remembered[key.key_id] = RememberedKey(key.key_id, key.owner_uri, key.pem)
    _remembered.move_to_end(key.key_id)
    if len(_remembered) > _SIGNER_CACHE_SIZE:
        _remembered.popitem(last=False)


def forget(key_id: str) -> None:
    _remembered.pop(key_id, None)


# `stored` not given: key_for looks the key up itself.
_UNREAD: Any = object()


async def key_for(ctx: JobContext, key_id: str, *, refresh: bool = False,
                  stored: ActorRef | None = _UNREAD) -> SignerKey:
    """The key for `key_id`: stored, or fetched from its server (and then stored).

    `refresh` refetches a stored remote key (the cached one failed to verify: keys rotate),
    unless it was fetched within REFRESH_INTERVAL. `stored` is the key's owner as the caller
    already read it (get_key_owner's answer, None for no owner), to save the lookup. Raises
    SignatureError when there is no such key, KeyUnavailableError when its server cannot be
    reached now.
    """
    if not uris.acceptable_id(key_id, ctx.config):
        raise SignatureError("the key id is not an acceptable URI", reason="bad_key_id")
    if stored is _UNREAD:
        async with ctx.db.acquire_plain() as conn:
            ref = await queries.get_key_owner(conn, key_id=key_id)
    else:
        ref = stored
    if ref is not None:
        recently = (ref.fetched_at is not None
                    and ctx.clock.now() - ref.fetched_at < REFRESH_INTERVAL)
        if not refresh or ref.domain is None or recently:
            return _signer(ref, key_id, fresh=False)
    ref = await _fetch_once(ctx, key_id, unknown=ref is None)
    return _signer(ref, key_id, fresh=True)


async def _fetch_once(ctx: JobContext, key_id: str, *, unknown: bool) -> ActorRef:
    slot = (id(ctx.db), key_id)
    task = _inflight.get(slot)
    # A fetch that has ended answers only callers who found no key (see LINGER_SECONDS): a
    # refresh wants the server's key as it is now.
    if task is None or task.get_loop() is not asyncio.get_running_loop() \
            or (task.done() and not unknown):
        task = asyncio.ensure_future(_fetch_key(ctx, key_id))
        _inflight[slot] = task
        task.add_done_callback(_forget(slot))
    # shield: a sender that hangs up must not cancel the fetch others are waiting for
    return await asyncio.shield(task)


# How long a fetch that succeeded still answers for its key. A caller that read "no such key" from
# the database while the fetch was storing it reaches _fetch_once just after the fetch ended;
# it takes that answer instead of fetching the key a second time (concurrent first POSTs of
# a new actor, more likely since a key costs one unsigned GET).
LINGER_SECONDS = 2.0


def _forget(slot: tuple[int, str]):  # type: ignore[no-untyped-def]
    def done(task: asyncio.Task[ActorRef]) -> None:
        # exception() also marks it seen, so a fetch whose waiters all left logs no warning.
        if task.cancelled() or task.exception() is not None:
            _drop(slot, task)   # a failure is not kept: the next try asks the server again
        else:
            task.get_loop().call_later(LINGER_SECONDS, _drop, slot, task)
    return done


def _drop(slot: tuple[int, str], task: asyncio.Task[ActorRef]) -> None:
    if _inflight.get(slot) is task:
        del _inflight[slot]


def _gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(MAX_CONCURRENT_FETCHES)
    return gate


async def _fetch_key(ctx: JobContext, key_id: str) -> ActorRef:
    try:
        async with asyncio.timeout(FETCH_TIMEOUT_SECONDS):
            async with _gate():
                fetched = await _owner_document(ctx, key_id)
                row = parse_actor(fetched.data, fetched_from=fetched.url, config=ctx.config)
                if row.public_key_id != key_id:
                    raise SignatureError("the actor does not publish that key",
                                         reason="unknown_key")
                counts = embedded_counts(fetched.data)
                # The key came unsigned in a document without the profile: the full one is
                # fetched, signed, by a job (the POST needs only the key).
                refetch = not fetched.signed and is_restricted(fetched.data)
                # Most fetched keys belong to actors we have never stored: one statement.
                new = await insert_new_actor(ctx, row, counts=counts, refetch=refetch)
                if new is not None:
                    return new
                account = await store_actor(ctx, row, counts=counts, counts_job=False,
                                            refetch=refetch)
    except TimeoutError:
        raise KeyUnavailableError("The signer's key could not be fetched in time; "
                                  "try again later.") from None
    except FetchError as exc:
        if exc.retryable:
            raise KeyUnavailableError("The signer's key could not be fetched; "
                                      "try again later.") from None
        raise SignatureError(f"the signer's key could not be fetched: {exc.reason}",
                             reason="unknown_key") from None
    # What get_key_owner would read back: the row just stored is the key's newest owner.
    return ActorRef(account.id, account.uri, account.domain, account.public_key_id,
                    account.public_key_pem, account.fetched_at, account.suspended_at)


async def _owner_document(ctx: JobContext, key_id: str) -> Fetched:
    """The actor document that owns `key_id`, unsigned when its server allows (see
    fetch_object_unsigned_first). The key id without its fragment is the actor
    (Mastodon), a key document naming its owner, or an actor-typed stub whose id is the
    actor (GoToSocial's key URL): the last two lead to the owner's own document."""
    doc_url = uris.without_fragment(key_id)
    fetched = await fetch_object_unsigned_first(ctx, doc_url, timeout=FETCH_TIMEOUT_SECONDS)
    doc = fetched.data
    if doc.get("type") in ACTOR_TYPES:
        actor_id = doc.get("id")
        if actor_id == fetched.url or "inbox" in doc:
            return fetched
        owner = actor_id
    else:
        owner = doc.get("owner")
    # The owner is on the key's host, or the key is not its.
    if not isinstance(owner, str) or not uris.same_host(owner, key_id):
        raise SignatureError("the key document names no owner on its host",
                             reason="unknown_key")
    return await fetch_object_unsigned_first(ctx, owner, timeout=FETCH_TIMEOUT_SECONDS)


async def verified_signer(ctx: JobContext, request: web.Request, body: bytes) -> SignerKey:
    """The key that signed this request, after checking the signature; when the cached key
    fails, the key is fetched again once (keys rotate). Raises SignatureError (401) or
    KeyUnavailableError (503)."""
    return await signer_for(ctx, parse_signature(ctx, request, body))


async def signer_for(ctx: JobContext, parsed: ParsedSignature, *,
                     stored: ActorRef | None = _UNREAD) -> SignerKey:
    """verified_signer for a signature parsed before (now, or when an inbox POST was kept
    to be verified later); `stored` as for key_for."""
    key = await key_for(ctx, parsed.key_id, stored=stored)
    try:
        verify_parsed(parsed, key.public_key)
    except SignatureError:
        if key.fresh:
            raise
        key = await key_for(ctx, parsed.key_id, refresh=True)
        if not key.fresh:
            raise  # refetched too recently to try again
        verify_parsed(parsed, key.public_key)
    remember(key)
    return key


def parse_signature(ctx: JobContext, request: web.Request, body: bytes) -> ParsedSignature:
    """Everything about the request's signature that needs no key; raises SignatureError."""
    return parse_request_signature(
        method=request.method, path_qs=request.raw_path, headers=request.headers, body=body,
        now=ctx.clock.now(), scheme=_scheme(ctx.config.base_url))


@lru_cache(maxsize=8)
def _scheme(base_url: str) -> str:
    return urlsplit(base_url).scheme
