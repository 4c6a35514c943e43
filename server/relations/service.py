"""What a member keeps about other accounts beyond following: domain blocks, private notes,
endorsements and featured hashtags."""

from __future__ import annotations

import re
from datetime import datetime

from server.accounts.queries import Account
from server.db import Conn
from server.errors import NotFoundError, ValidationError
from server.follows import service as follows
from server.ids import new_id
from server.relations import queries
from server.timeline import queries as timeline_q

MAX_NOTE = 2000
MAX_FEATURED_TAGS = 10
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*"
                     r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_TAG = re.compile(r"^[\w]*[^\W\d_][\w]*$")


def normalize_domain(text: str | None) -> str:
    domain = (text or "").strip().lower().rstrip(".")
    if "://" in domain:
        domain = domain.split("://", 1)[1].split("/", 1)[0]
    try:
        domain = domain.encode("idna").decode("ascii") if domain else domain
    except UnicodeError:
        domain = ""
    if not _DOMAIN.match(domain):
        raise ValidationError("Validation failed: domain is not a valid domain name",
                              field="domain")
    return domain


async def block_domain(conn: Conn, *, account: Account, domain: str, own_domain: str,
                       now: datetime) -> None:
    """Hide a whole server: its accounts' follows of ours are ended, as are ours of them."""
    if domain == own_domain.lower():
        raise ValidationError("Validation failed: you cannot block your own server",
                              field="domain")
    await queries.insert_domain_block(conn, block_id=new_id(), account_id=account.id,
                                      domain=domain, now=now)
    for target_id in await queries.followed_on_domain(conn, account_id=account.id,
                                                      domain=domain):
        target = await follows.get_account_or_404(conn, target_id)
        await follows.unfollow(conn, follower=account, target=target, now=now)


async def unblock_domain(conn: Conn, *, account: Account, domain: str) -> None:
    await queries.delete_domain_block(conn, account_id=account.id, domain=domain)


async def set_note(conn: Conn, *, account: Account, target: Account, comment: str,
                   now: datetime) -> None:
    if len(comment) > MAX_NOTE:
        raise ValidationError(f"Validation failed: comment is too long (maximum is {MAX_NOTE} "
                              "characters)", field="comment")
    await queries.set_note(conn, account_id=account.id, target_id=target.id,
                           comment=comment.strip(), now=now)


async def endorse(conn: Conn, *, account: Account, target: Account, now: datetime) -> None:
    """Only accounts one follows can be featured (as Mastodon)."""
    if not await queries.is_following(conn, account_id=account.id, target_id=target.id):
        raise ValidationError("Validation failed: you can only feature accounts you follow",
                              field="id")
    await queries.insert_pin(conn, pin_id=new_id(), account_id=account.id, target_id=target.id,
                             now=now)


async def unendorse(conn: Conn, *, account: Account, target: Account) -> None:
    await queries.delete_pin(conn, account_id=account.id, target_id=target.id)


def hashtag_name(text: str | None) -> str | None:
    """The hashtag named by a user's text (`#` optional), or None when it is not one."""
    tag = (text or "").strip().lstrip("#")
    return tag if tag and len(tag) <= 100 and _TAG.match(tag) else None


async def feature_tag(conn: Conn, *, account: Account, name: str | None, now: datetime) -> int:
    tag = hashtag_name(name)
    if tag is None:
        raise ValidationError("Validation failed: name is not a valid hashtag", field="name")
    if await queries.count_featured_tags(conn, account_id=account.id) >= MAX_FEATURED_TAGS:
        raise ValidationError(f"Validation failed: you can feature at most {MAX_FEATURED_TAGS} "
                              "hashtags", field="name")
    return await queries.feature_tag(conn, featured_id=new_id(), tag_id=new_id(),
                                     account_id=account.id, name=tag, now=now)


async def unfeature_tag(conn: Conn, *, account: Account, featured_id: int) -> None:
    if not await queries.delete_featured_tag(conn, featured_id=featured_id,
                                             account_id=account.id):
        raise NotFoundError("Record not found")


async def find_tag(conn: Conn, *, name: str) -> tuple[int | None, str]:
    """The tag of a URL's name: (id, name as first used), or (None, name) when no post or
    follow has used it yet. NotFoundError when the name is not a hashtag."""
    tag = hashtag_name(name)
    if tag is None:
        raise NotFoundError("Record not found")
    found = await queries.get_tag_by_name(conn, name=tag)
    return found if found is not None else (None, tag)


async def follow_tag(conn: Conn, *, account: Account, name: str, now: datetime) -> tuple[int, str]:
    """Follow a hashtag (made here when nobody used it yet); following twice is one follow.
    Public posts carrying it join the home feed from now on (timeline fan-out)."""
    tag = hashtag_name(name)
    if tag is None:
        raise NotFoundError("Record not found")
    return await queries.follow_tag(conn, follow_id=new_id(), account_id=account.id,
                                    tag_id=new_id(), name=tag, now=now)


async def unfollow_tag(conn: Conn, *, account: Account, name: str) -> tuple[int | None, str]:
    tag_id, tag = await find_tag(conn, name=name)
    if tag_id is not None:
        await queries.unfollow_tag(conn, account_id=account.id, tag_id=tag_id)
        # at most a feed's 800 rows: done at once, so the feed is right when this answers
        await timeline_q.remove_tag_from_feed(conn, owner_id=account.id, tag_id=tag_id)
    return tag_id, tag
