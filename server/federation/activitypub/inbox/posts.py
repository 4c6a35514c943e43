"""What the post handlers (Create, Update, Announce) and the parent fetch share: getting a
post as its origin vouches for it, and knowing the accounts it mentions before the
transaction that stores it.

Anti-spoofing: a server speaks only for objects on its own host. An embedded post whose id
is on another host than the activity's actor is not believed; it is fetched from the host
of its id (which then must attribute it to the same actor).
"""

from __future__ import annotations

import logging

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.db import Conn
from server.errors import CommonholdError, MalformedActivityError
from server.federation import uris
from server.federation import vocabulary as v
from server.federation.activitypub import remote_actors
from server.federation.activitypub.fetch import FetchError, fetch_object
from server.federation.activitypub.parse import NOTE_TYPES, parse_note
from server.jobs.context import JobContext

log = logging.getLogger(__name__)

# Mentioned accounts we do not know yet are fetched, up to this many per post.
MAX_MENTION_FETCHES = 10


async def fetch_note(ctx: JobContext, uri: str, *, actor_uri: str | None = None) -> v.Note:
    """A post fetched from its origin. With `actor_uri` it must be attributed to that actor;
    either way its author must live on the post's own host."""
    fetched = await fetch_object(ctx, uri)
    kind = fetched.data.get("type")
    if kind not in NOTE_TYPES:
        raise MalformedActivityError(f"{uri} is a {kind!r}, not a post")
    note = parse_note(fetched.data, ctx.config, actor=actor_uri)
    if not uris.same_host(note.uri, note.author_uri):
        raise MalformedActivityError("the post is attributed to an actor on another host")
    return note


async def verified_note(ctx: JobContext, note: v.Note | None, *, object_uri: str,
                        actor_uri: str) -> v.Note:
    """The embedded post when its id is on the actor's host; otherwise (or when only its id
    was sent) the post fetched from the host of its id."""
    if note is not None and uris.same_host(note.uri, actor_uri):
        return note
    return await fetch_note(ctx, note.uri if note is not None else object_uri,
                            actor_uri=actor_uri)


async def resolve_mentions(ctx: JobContext, note: v.Note) -> None:
    """Fetch the remote accounts a post mentions that we do not know yet, so the post's
    transaction finds them. Ones that cannot be fetched are skipped (the link stays)."""
    if not note.mentions:
        return
    async with ctx.db.acquire() as conn:
        unknown = await unknown_mentions(conn, ctx, note)
    await fetch_mentions(ctx, unknown)


async def unknown_mentions(conn: Conn, ctx: JobContext, note: v.Note) -> list[str]:
    """The remote accounts a post mentions that are not stored yet."""
    unknown: list[str] = []
    for mention in note.mentions:
        if uris.is_local(mention.href, ctx.config):
            continue
        if await accounts_q.get_account_by_uri(conn, uri=mention.href) is None:
            unknown.append(mention.href)
    return unknown


async def fetch_mentions(ctx: JobContext, unknown: list[str]) -> None:
    """Fetch (outside any connection) mentioned accounts found unknown; failures are skipped."""
    for href in unknown[:MAX_MENTION_FETCHES]:
        try:
            await remote_actors.get_or_fetch_actor(ctx, href)
        except (FetchError, CommonholdError) as exc:
            log.info("mention %s not resolved: %s", href, exc)


async def author_of(ctx: JobContext, note: v.Note) -> Account:
    return await remote_actors.get_or_fetch_actor(ctx, note.author_uri)


def usable_as_stored(ctx: JobContext, account: Account | None) -> Account | None:
    """The stored author when get_or_fetch_actor would return it without a fetch (local, or
    fetched less than STALE_AFTER ago); None when it must go through that. Lets a handler
    that read the account on its own connection skip acquiring another."""
    if account is None:
        return None
    if account.local:
        return account
    if account.fetched_at is not None \
            and ctx.clock.now() - account.fetched_at < remote_actors.STALE_AFTER:
        return account
    return None
