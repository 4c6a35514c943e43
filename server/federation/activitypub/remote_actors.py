"""Remote actors: reading their documents, storing them, finding them by acct or by id.

An actor document is believed only about its own host: its id must be on the host we
finally fetched it from, its key must be owned by that id and live on the same host. The
stored row is refreshed when it is older than a day (or when its key stops verifying).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import asyncpg

from server import jobs
from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.errors import NotFoundError
from server.federation import queries, uris
from server.federation.activitypub.fetch import (
    JRD_ACCEPT,
    FetchError,
    FetchInvalidError,
    fetch_json,
    fetch_object,
)
from server.federation.activitypub.parse import ACTOR_TYPES, uri_of
from server.federation.activitypub.unverified import queries as unverified_q
from server.federation.queries import ActorRef, RemoteActorRow
from server.ids import new_id
from server.jobs.context import JobContext
from server.statuses.sanitize import sanitize_html, sanitize_plain

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(days=1)
MAX_FIELDS = 16
MAX_ALIASES = 20
# The accounts table's own rule for usernames (migrations/0001_accounts.sql).
USERNAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$")
AP_TYPES = ("application/activity+json", "application/ld+json")
COUNTS_JOB = "federation.fetch_actor_counts"


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _link(value: Any, config: Any) -> str | None:
    uri = uri_of(value)
    return uri if uri is not None and uris.acceptable_id(uri, config) else None


def _image_url(value: Any) -> str | None:
    """`icon`/`image`: an Image (or a list of them) whose url is a string or a Link."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url")
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            value = value.get("href")
    return value if isinstance(value, str) and uris.host_of(value) else None


def _public_key(doc: dict[str, Any], actor_id: str) -> tuple[str | None, str | None]:
    """(key id, PEM) of the key the actor owns; servers send one key or a list of them."""
    keys = doc.get("publicKey")
    for key in keys if isinstance(keys, list) else [keys]:
        if not isinstance(key, dict):
            continue
        key_id, owner = _str(key.get("id")), _str(key.get("owner"))
        pem = _str(key.get("publicKeyPem"))
        if key_id and pem and owner == actor_id and uris.same_host(key_id, actor_id):
            return key_id, pem
    return None, None


def _fields(value: Any) -> list[dict[str, str]]:
    found = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict) and item.get("type") == "PropertyValue":
            name, text = _str(item.get("name")), _str(item.get("value"))
            if name is not None and text is not None:
                found.append({"name": sanitize_plain(name, limit=255),
                              "value": sanitize_html(text[:2048])})
    return found[:MAX_FIELDS]


def _total(value: Any) -> int | None:
    total = value.get("totalItems") if isinstance(value, dict) else None
    return total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None


def parse_actor(doc: dict[str, Any], *, fetched_from: str, config: Any) -> RemoteActorRow:
    """Check an actor document against where it came from and turn it into a row.
    Raises FetchInvalidError with the reason."""
    actor_id = _str(doc.get("id"))
    if actor_id is None or not uris.acceptable_id(actor_id, config):
        raise FetchInvalidError(fetched_from, "the actor has no acceptable id")
    if not uris.same_host(actor_id, fetched_from):
        raise FetchInvalidError(fetched_from, f"the actor {actor_id} is not on this host")
    if uris.is_local(actor_id, config):
        raise FetchInvalidError(fetched_from, "a remote document claims a local actor")
    kind = doc.get("type")
    if kind not in ACTOR_TYPES:
        raise FetchInvalidError(fetched_from, f"{kind!r} is not an actor type")
    username = _str(doc.get("preferredUsername")) or ""
    if not USERNAME.match(username) or len(username) > 255:
        raise FetchInvalidError(fetched_from, "the actor has no usable preferredUsername")
    inbox = _link(doc.get("inbox"), config)
    if inbox is None:
        raise FetchInvalidError(fetched_from, "the actor has no inbox")
    endpoints = doc.get("endpoints")
    shared = _link(endpoints.get("sharedInbox"), config) if isinstance(endpoints, dict) else None
    key_id, pem = _public_key(doc, actor_id)
    known_as = doc.get("alsoKnownAs")
    aliases = [a for a in (known_as if isinstance(known_as, list) else [known_as])
               if isinstance(a, str) and uris.acceptable_id(a, config)]
    return RemoteActorRow(
        username=username, domain=uris.host_of(actor_id),
        display_name=sanitize_plain(_str(doc.get("name")) or "", limit=255),
        note=sanitize_html((_str(doc.get("summary")) or "")[:20000]),
        uri=actor_id, url=_link(doc.get("url"), config) or actor_id, inbox_url=inbox,
        shared_inbox_url=shared, outbox_url=_link(doc.get("outbox"), config),
        followers_url=_link(doc.get("followers"), config),
        following_url=_link(doc.get("following"), config),
        featured_url=_link(doc.get("featured"), config), actor_type=kind,
        public_key_pem=pem, public_key_id=key_id,
        locked=doc.get("manuallyApprovesFollowers") is True,
        bot=kind in ("Service", "Application"),
        # Absent means "not opted in", as Mastodon reads it.
        discoverable=doc.get("discoverable") is True, indexable=doc.get("indexable") is True,
        avatar_url=_image_url(doc.get("icon")), header_url=_image_url(doc.get("image")),
        fields=_fields(doc.get("attachment")),
        also_known_as=list(dict.fromkeys(aliases))[:MAX_ALIASES],
        moved_to_uri=_link(doc.get("movedTo"), config))


def embedded_counts(doc: dict[str, Any]) -> dict[str, int | None]:
    return {"followers": _total(doc.get("followers")), "following": _total(doc.get("following")),
            "statuses": _total(doc.get("outbox"))}


async def store_actor(ctx: JobContext, row: RemoteActorRow, *,
                      counts: dict[str, int | None] | None = None, counts_job: bool = True,
                      refetch: bool = False) -> Account:
    """Insert or refresh the row (by uri, else by username@domain). Its follow-up job: a full
    signed refetch when `refetch` (the row came from a restricted document), else the
    counts fetch when `counts_job` and the document lacked a total."""
    now = ctx.clock.now()
    try:
        # plain: the transaction ends inside, and nothing here sets session state
        async with ctx.db.acquire_plain() as conn, conn.transaction():
            moved = (await queries.get_actor_ref(conn, uri=row.moved_to_uri)
                     if row.moved_to_uri else None)
            moved_id = moved.id if moved else None
            existing = await queries.get_actor_ref(conn, uri=row.uri)
            account_id = None
            if existing is None:
                same_name = await queries.get_remote_account_id_by_acct(
                    conn, username=row.username, domain=row.domain)
                if same_name is not None:
                    account_id = await queries.update_remote_account(
                        conn, account_id=same_name, row=row, moved_to_account_id=moved_id, now=now)
            if account_id is None:
                account_id = await queries.insert_remote_account(
                    conn, account_id=new_id(), row=row, moved_to_account_id=moved_id, now=now)
            if account_id is None:
                raise FetchInvalidError(row.uri, "that id belongs to a local account")
            counts = counts or {}
            await queries.update_remote_counts(conn, account_id=account_id,
                                               followers=counts.get("followers"),
                                               following=counts.get("following"),
                                               statuses=counts.get("statuses"))
            if refetch or (counts_job and _missing(counts)):
                await jobs.enqueue(conn, COUNTS_JOB, {"account_id": account_id,
                                                      "refetch": refetch}, now=now)
            account = await accounts_q.get_account(conn, account_id=account_id)
    except asyncpg.UniqueViolationError:
        raise FetchInvalidError(row.uri, "another actor on that host holds the same name") from None
    assert account is not None
    return account


def _missing(counts: dict[str, int | None]) -> bool:
    return None in (counts.get("followers"), counts.get("following"), counts.get("statuses"))


def is_restricted(doc: dict[str, Any]) -> bool:
    """A document that gave the key but not the profile: every full actor has an outbox
    (ActivityPub requires one), which Mastodon's restricted answer to an unsigned GET in
    authorized-fetch mode (id, type, name, inbox, key, endpoints) and GoToSocial's key
    stub leave out."""
    return not isinstance(doc.get("outbox"), str | dict)


async def insert_new_actor(ctx: JobContext, row: RemoteActorRow, *,
                           counts: dict[str, int | None],
                           refetch: bool = False) -> ActorRef | None:
    """store_actor for an actor we have never stored, whose key was just fetched, in one
    statement (account, counts, and the refetch job when `refetch`); None, storing nothing,
    when the uri or the name on its host is taken: store_actor then decides. No counts job:
    a signer's totals are fetched once someone looks the account up (resolve_acct) or with
    its next full fetch, not for every actor that ever signed a POST."""
    now = ctx.clock.now()
    notify = jobs.NOTIFY_CHANNEL if refetch else None
    async with ctx.db.acquire_plain() as conn:
        account_id = await unverified_q.insert_fetched_actor(
            conn, account_id=new_id(), row=row, now=now, counts=counts,
            job_kind=COUNTS_JOB if refetch else None, channel=notify, refetch=refetch)
    if account_id is None:
        return None
    return ActorRef(account_id, row.uri, row.domain, row.public_key_id, row.public_key_pem,
                    now, None)


async def fetch_actor(ctx: JobContext, uri: str) -> Account:
    """Fetch an actor document now and store it."""
    fetched = await fetch_object(ctx, uri)
    row = parse_actor(fetched.data, fetched_from=fetched.url, config=ctx.config)
    return await store_actor(ctx, row, counts=embedded_counts(fetched.data))


async def get_or_fetch_actor(ctx: JobContext, uri: str, *, refresh: bool = False) -> Account:
    """The stored actor for `uri`, fetched when unknown or older than a day. A stale copy is
    still returned when its server cannot be reached; `refresh` insists on a fresh one."""
    async with ctx.db.acquire() as conn:
        account = await accounts_q.get_account_by_uri(conn, uri=uri)
    if account is not None and account.local:
        return account
    if account is not None and not refresh and account.fetched_at is not None \
            and ctx.clock.now() - account.fetched_at < STALE_AFTER:
        return account
    try:
        return await fetch_actor(ctx, uri)
    except FetchError as exc:
        if account is None or refresh:
            raise
        log.info("keeping the stored copy of %s: %s", uri, exc)
        return account


def split_acct(acct: str) -> tuple[str, str]:
    """("name", "domain") from `name@domain`, `@name@domain` or `acct:name@domain`."""
    text = acct.strip().removeprefix("acct:").lstrip("@")
    username, _, domain = text.rpartition("@")
    if not username or not domain or "/" in domain or " " in text:
        raise NotFoundError(f"{acct!r} is not an address like name@domain")
    return username, domain.lower()


async def resolve_acct(ctx: JobContext, acct: str) -> Account:
    """The account for `name@domain`: our own, a fresh stored one, or found by WebFinger."""
    username, domain = split_acct(acct)
    local = domain == ctx.config.domain.lower()
    async with ctx.db.acquire() as conn:
        account = await accounts_q.find_account_by_acct(
            conn, username=username, domain=None if local else domain)
    if local:
        if account is None:
            raise NotFoundError(f"There is no account {username}@{domain} here.")
        return account
    if account is not None and account.fetched_at is not None \
            and ctx.clock.now() - account.fetched_at < STALE_AFTER:
        await _counts_when_missing(ctx, account)
        return account
    actor_uri = await webfinger(ctx, username, domain)
    found = await fetch_actor(ctx, actor_uri)
    if found.domain == domain and found.username.lower() != username.lower():
        raise FetchInvalidError(actor_uri, f"WebFinger for {username}@{domain} led to "
                                           f"{found.acct()}")
    return found


async def webfinger(ctx: JobContext, username: str, domain: str) -> str:
    """The actor id that `domain` publishes for `username` (its WebFinger `self` link)."""
    scheme = "http" if ctx.config.allow_http else "https"
    resource = quote(f"acct:{username}@{domain}", safe=":@")
    url = f"{scheme}://{domain}/.well-known/webfinger?resource={resource}"
    fetched = await fetch_json(ctx, url, accept=JRD_ACCEPT, signed=False)
    links = fetched.data.get("links")
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        kind, href = _str(link.get("type")) or "", _str(link.get("href"))
        if href and kind.split(";")[0].strip() in AP_TYPES and uris.acceptable_id(href, ctx.config):
            return href
    raise FetchInvalidError(url, "WebFinger gave no ActivityPub actor")


async def _counts_when_missing(ctx: JobContext, account: Account) -> None:
    """Someone looks this account up: if its totals were never read (it was stored from a
    key fetch, which skips them), ask for them now."""
    async with ctx.db.acquire() as conn:
        counts = await queries.get_remote_counts(conn, account_id=account.id)
        if counts and all(v is None for v in counts.values()):
            await jobs.enqueue(conn, COUNTS_JOB, {"account_id": account.id},
                               now=ctx.clock.now())


async def fetch_actor_counts(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Job `federation.fetch_actor_counts`: the totals of an actor's collections, as its own
    server reports them. Cosmetic, so a collection that cannot be read is skipped. With
    `refetch`, the actor was stored from a restricted document: it is fetched again, signed,
    in full (its counts job follows from there when the totals are not embedded)."""
    async with ctx.db.acquire() as conn:
        account = await accounts_q.get_account(conn, account_id=int(payload["account_id"]))
    if account is None or account.local:
        return
    if payload.get("refetch"):
        fetched = await fetch_object(ctx, account.uri)
        row = parse_actor(fetched.data, fetched_from=fetched.url, config=ctx.config)
        await store_actor(ctx, row, counts=embedded_counts(fetched.data))
        return
    totals: dict[str, int | None] = {}
    for name, url in (("followers", account.followers_url), ("following", account.following_url),
                      ("statuses", account.outbox_url)):
        totals[name] = None
        if url and uris.same_host(url, account.uri):
            try:
                totals[name] = _total((await fetch_object(ctx, url)).data)
            except FetchError as exc:
                log.info("no %s count for %s: %s", name, account.uri, exc)
    async with ctx.db.transaction() as conn:
        await queries.update_remote_counts(conn, account_id=account.id, **totals)
