"""Who is calling the client API: the one place a bearer token becomes a caller.

Every API route asks `require_token(request, "read:statuses")` (or `optional_token` for
public data), and the answers are Mastodon's: 401 when the token is missing, unknown or
revoked, 403 when it lacks the scope, 422 when the endpoint needs a user and the token
belongs to an application alone, 403 when that user is disabled or not yet approved.

A verified token is remembered in this process for `token_cache_seconds` (60 by default),
keyed by its hash, so a busy client's requests do not each pay a database round trip for
it. Copies are used only while the process listens for changes (`token_listener`, on its own
connection): a trigger (migration 0042) announces every revocation, disabled or unapproved
user, changed role or scopes, and every process then forgets all its copies, so such a change
takes effect everywhere once it commits. Without a listening connection nothing is
remembered. Unknown tokens never are.

A copy in its last quarter is still used, and read again in the background (one read per
token at a time): a token in steady use is then never looked up while a request waits. (A
client reading twice a second otherwise waited for the lookup, and the pool's reset query
after it, on one request in ten: W6 at half load.) Lookups are single autocommit SELECTs, so
their connection goes back to the pool without the reset query.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import asyncpg
from aiohttp import web

from server.errors import ForbiddenError, UnauthorizedError, ValidationError
from server.oauth import queries as oauth_q
from server.oauth.queries import TokenRow
from server.oauth.scopes import grants
from server.oauth.service import digest, record_activity
from server.web.state import CLOCK, CONFIG, DB

INVALID_TOKEN = "The access token is invalid"
OUTSIDE_SCOPES = "This action is outside the authorized scopes"
NEEDS_USER = "This method requires an authenticated user"
# Sign-in time and the weekly activity row are refreshed at most this often per user.
ACTIVITY_EVERY = timedelta(hours=1)
# Where migration 0042's trigger announces changes to what a token lookup reads.
CHANGES_CHANNEL = "commonhold_tokens"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClientApplication:
    id: int
    name: str
    website: str | None
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class TokenContext:
    token_id: int
    scopes: frozenset[str]
    application: ClientApplication
    user_id: int | None
    account_id: int | None
    role: str | None

    def allows(self, scope: str) -> bool:
        return grants(self.scopes, scope)

    @property
    def is_staff(self) -> bool:
        return self.role in ("admin", "moderator")


# Bounded so a flood of distinct valid tokens cannot grow the process; the oldest go first.
CACHE_MAX_ENTRIES = 10_000


class TokenCache:
    """token hash -> verified row, and its monotonic expiry. A monotonic clock on purpose:
    this is freshness of a copy, not domain time, and must expire even where the clock is
    frozen.

    A row read again and found equal to the one held is not kept: the held one stays, with
    a later expiry. A busy token is read again once per copy life, and a new row each time
    (and the caller built from it, see _known) lived long enough to reach the collector's
    oldest generation before it was dropped: with W6's 2,000 tokens and 5 s copies, several
    thousand objects a second, which set off a full collection every few seconds (12-24 ms
    of the event loop each). The expiries are kept apart, as floats, for the same reason: a
    (row, expiry) pair per reading would be one such object again."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._rows: dict[bytes, TokenRow] = {}
        self._expires: dict[bytes, float] = {}
        # True only while a connection listens for token changes (token_listener).
        self.listening = False
        # Counts the times everything was forgotten: a row read from the database before a
        # change was heard must not be remembered after it.
        self.generation = 0
        # Keys being read again ahead of their expiry, and those reads (held: the loop keeps
        # tasks weakly; cancelled when the app stops).
        self.refreshing: dict[bytes, asyncio.Task[None]] = {}

    def get(self, key: bytes) -> TokenRow | None:
        if not self.listening:
            return None
        row = self._rows.get(key)
        if row is None:
            return None
        if self._expires[key] < time.monotonic():
            del self._rows[key], self._expires[key]
            return None
        return row

    def refresh_due(self, key: bytes) -> bool:
        """Whether a copy in use is in its last quarter and nobody reads it again yet."""
        expires = self._expires.get(key)
        return (expires is not None and key not in self.refreshing
                and expires - time.monotonic() < self.seconds / 4)

    def put(self, key: bytes, row: TokenRow, *, read_in: int | None = None) -> TokenRow:
        """Remembers `row` and returns the row to use: the one held when equal to `row`.
        `read_in`: the generation when the row was read (None: the current one)."""
        if self.seconds <= 0 or not self.listening:
            return row
        if read_in is not None and read_in != self.generation:
            return row
        held = self._rows.get(key)
        if held is not None and held == row:
            row = held
        elif held is None and len(self._rows) >= CACHE_MAX_ENTRIES:
            for old in list(self._rows)[: CACHE_MAX_ENTRIES // 10]:
                del self._rows[old], self._expires[old]
        self._rows[key] = row
        self._expires[key] = time.monotonic() + self.seconds
        return row

    def forget(self, key: bytes) -> None:
        self._rows.pop(key, None)
        self._expires.pop(key, None)

    def clear(self) -> None:
        self.generation += 1
        self._rows.clear()
        self._expires.clear()

    def stop_listening(self) -> None:
        self.listening = False
        self.clear()
        for task in self.refreshing.values():
            task.cancel()
        self.refreshing.clear()


# One cache per application object, made on first use (a started app takes no new keys).
_CACHES: weakref.WeakKeyDictionary[web.Application, TokenCache] = weakref.WeakKeyDictionary()


def token_cache(app: web.Application) -> TokenCache:
    cache = _CACHES.get(app)
    if cache is None:
        cache = _CACHES[app] = TokenCache(float(app[CONFIG].token_cache_seconds))
    return cache


async def token_listener(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: while the app runs, listen for token changes on a connection of its
    own (outside the pool, held for the life of the process) and forget every copy on each.
    Not started when tokens are not remembered at all. The connection is checked every
    LISTENER_CHECK_SECONDS and made anew when it was lost: a connection that died without
    saying so (a restarted server behind a proxy) would otherwise leave copies trusted for
    their whole life, and one that closed would leave every request looking its token up
    until the process restarts."""
    cache = token_cache(app)
    watch = None
    if cache.seconds > 0:
        # The first connection before the app serves, so its first requests are remembered.
        listener = await _connect(app[DB].dsn, cache, warn=True)
        watch = asyncio.get_running_loop().create_task(_watch(app[DB].dsn, cache, listener))
    try:
        yield
    finally:
        if watch is not None:
            watch.cancel()
            await asyncio.gather(watch, return_exceptions=True)
        reads = list(cache.refreshing.values())
        cache.stop_listening()
        await asyncio.gather(*reads, return_exceptions=True)   # cancelled: let them end


LISTENER_CHECK_SECONDS = 10.0


async def _connect(dsn: str, cache: TokenCache, *, warn: bool) -> asyncpg.Connection | None:
    """A connection listening for token changes, and the cache told it may remember; None
    (and a warning when `warn`) when there is none to be had."""
    listener = None
    try:
        listener = await asyncpg.connect(dsn, timeout=LISTENER_CHECK_SECONDS)
        await listener.add_listener(CHANGES_CHANNEL, lambda *_: cache.clear())
        listener.add_termination_listener(lambda *_: cache.stop_listening())
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        if listener is not None:
            listener.terminate()
        if warn:
            log.warning("token changes not heard (%s): tokens are looked up on every request "
                        "until the connection is back", exc)
        return None
    cache.listening = True
    return listener


async def _watch(dsn: str, cache: TokenCache, listener: asyncpg.Connection | None) -> None:
    """Checks the listening connection every LISTENER_CHECK_SECONDS and makes it anew when
    it is gone. Until it is back nothing is remembered (stop_listening): notices sent
    meanwhile were never heard."""
    try:
        while True:
            await asyncio.sleep(LISTENER_CHECK_SECONDS)
            if listener is not None and not listener.is_closed():
                try:
                    await listener.fetchval("SELECT 1", timeout=LISTENER_CHECK_SECONDS / 2)
                    continue
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                    listener.terminate()
            cache.stop_listening()
            listener = await _connect(dsn, cache, warn=False)
    finally:
        if listener is not None and not listener.is_closed():
            await listener.close()


def forget_token(app: web.Application, token: str) -> None:
    """Drop a token from this process's memory (after revoking it here)."""
    token_cache(app).forget(digest(token))


_LOOKUP: web.RequestKey[tuple[TokenRow | None]] = web.RequestKey("api_token", tuple)  # type: ignore[arg-type]


def bearer_token(request: web.Request) -> str | None:
    """`Authorization: Bearer …`, or the `access_token` query parameter (streaming clients
    and browsers opening an EventSource cannot set headers)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    query = request.query.get("access_token")
    if query:
        return query
    # Browsers cannot set headers on a WebSocket either; Mastodon's web client sends the
    # token as the subprotocol instead.
    if request.path.startswith("/api/v1/streaming"):
        return request.headers.get("Sec-WebSocket-Protocol", "").strip() or None
    return None


async def lookup_token(request: web.Request) -> TokenRow | None:
    """The live token the request carries, looked up once per request."""
    if _LOOKUP in request:
        return request[_LOOKUP][0]
    token = bearer_token(request)
    row = None
    if token is not None and "\x00" not in token:
        key = digest(token)
        cache = token_cache(request.app)
        row = cache.get(key)
        if row is None:
            row = await _read_token(request.app, cache, key)
        elif cache.refresh_due(key):
            task = asyncio.get_running_loop().create_task(_refresh(request.app, cache, key))
            cache.refreshing[key] = task
    request[_LOOKUP] = (row,)
    return row


async def _read_token(app: web.Application, cache: TokenCache, key: bytes) -> TokenRow | None:
    generation = cache.generation
    # One autocommit SELECT: nothing for the pool's reset query to undo.
    async with app[DB].acquire_plain() as conn:
        row = await oauth_q.get_token_context(conn, token_hash=key)
    if row is not None:
        row = cache.put(key, row, read_in=generation)
    return row


async def _refresh(app: web.Application, cache: TokenCache, key: bytes) -> None:
    """Read a remembered token again before its copy expires; a token gone meanwhile is
    forgotten (its revocation was announced too, so this is only belt and braces)."""
    try:
        if await _read_token(app, cache, key) is None:
            cache.forget(key)
    except Exception:   # the copy expires as usual and the next request reads it itself
        log.exception("reading a remembered token again failed")
    finally:
        if cache.refreshing.get(key) is asyncio.current_task():
            del cache.refreshing[key]


# The caller made from a remembered row, and which scopes the row was found to grant: a busy
# token's requests share one row until it is read again, and building the two frozen
# dataclasses and checking the scopes was about half of require_token's own work on every
# request. One entry per token, valid for the row object it was made from (checked by
# identity): a token read again (every few seconds while in use) replaces its entry. Keyed
# by the row's identity instead, every reading left an entry behind until KNOWN_MAX of them
# were forgotten at once: in the W7 soak (200 tokens) up to 2,048 entries, 4 MiB, of which
# a tenth still in use. Forgotten all at once past KNOWN_MAX tokens.
_KNOWN: dict[int, tuple[TokenRow, TokenContext, dict[tuple[str, tuple[str, ...]], bool]]] = {}
KNOWN_MAX = 2048


def _known(row: TokenRow) -> tuple[TokenRow, TokenContext, dict[tuple[str, tuple[str, ...]], bool]]:
    found = _KNOWN.get(row.token_id)
    if found is None or found[0] is not row:
        if len(_KNOWN) >= KNOWN_MAX:
            _KNOWN.clear()
        found = _KNOWN[row.token_id] = (row, _context(row), {})
    return found


def _allows(row: TokenRow, granted: dict[tuple[str, tuple[str, ...]], bool], scope: str,
            alternatives: tuple[str, ...]) -> bool:
    allowed = granted.get((scope, alternatives))
    if allowed is None:
        allowed = granted[(scope, alternatives)] = any(
            grants(row.scopes, s) for s in (scope, *alternatives))
    return allowed


def _context(row: TokenRow) -> TokenContext:
    app = _shared(ClientApplication(id=row.application_id, name=row.application_name,
                                    website=row.application_website,
                                    redirect_uris=tuple(row.redirect_uris),
                                    scopes=tuple(row.application_scopes)))
    return TokenContext(token_id=row.token_id, scopes=_shared(frozenset(row.scopes)),
                        application=app, user_id=row.user_id, account_id=row.account_id,
                        role=row.role)


# Equal applications and scope sets, one object each for every caller that holds them: a
# client's thousands of tokens otherwise kept a copy each, all walked by every full
# collection (two of the ten objects a remembered token kept). Immutable, so sharing them
# is safe; forgotten all at once past SHARED_MAX.
_SHARED: dict[Any, Any] = {}
SHARED_MAX = 1024
T = TypeVar("T", ClientApplication, frozenset[str])


def _shared(value: T) -> T:
    found = _SHARED.get(value)
    if found is None:
        if len(_SHARED) >= SHARED_MAX:
            _SHARED.clear()
        found = _SHARED[value] = value
    return found  # type: ignore[no-any-return]


async def require_token(request: web.Request, scope: str | None, *, user: bool = True,
                        alternatives: tuple[str, ...] = ()) -> TokenContext:
    """The caller, who must hold `scope` (or one of `alternatives`); `scope=None` accepts any
    live token. With `user=True` (the default) an application-only token is refused."""
    row = await lookup_token(request)
    if row is None:
        raise UnauthorizedError(INVALID_TOKEN)
    _, context, granted = _known(row)
    if scope is not None and not _allows(row, granted, scope, alternatives):
        raise ForbiddenError(OUTSIDE_SCOPES)
    if row.user_id is None:
        if user:
            raise ValidationError(NEEDS_USER)
        return context
    _check_user(row)
    await _note_activity(request, row)
    return context


async def optional_token(request: web.Request, scope: str | None = None) -> TokenContext | None:
    """The caller when a token is sent (which must then be valid), else None: public data
    is served to anyone, and shaped for the viewer when there is one."""
    if bearer_token(request) is None:
        return None
    return await require_token(request, scope, user=False)


def _check_user(row: TokenRow) -> None:
    if row.disabled:
        raise ForbiddenError("Your login is currently disabled")
    if not row.approved:
        raise ForbiddenError("Your login is currently pending approval")


async def _note_activity(request: web.Request, row: TokenRow) -> None:
    now: datetime = request.app[CLOCK].now()
    last = row.last_sign_in_at
    if row.user_id is None or (last is not None and now - last < ACTIVITY_EVERY):
        return
    async with request.app[DB].transaction() as conn:
        await record_activity(conn, user_id=row.user_id, now=now)
    # The remembered copy learns it too, or every request until it expires would write again.
    token = bearer_token(request)
    if token is not None:
        key = digest(token)
        cache = token_cache(request.app)
        if cache.get(key) is not None:
            cache.put(key, replace(row, last_sign_in_at=now))
