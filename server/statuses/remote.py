"""Posts by remote authors, stored as they arrive from other servers.

The federation handlers have already checked who may speak for the post (the object is on
its author's host and attributed to the activity's actor) and fetched what can be fetched
(the author, the mentioned accounts); these functions only write, inside the caller's
transaction, and put the post into home feeds and streams in that same transaction.
Content is sanitised here, where it is stored. A parent that is not here yet is fetched by
the `federation.fetch_parent` job, never inside a request or this transaction.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from server import events, jobs
from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.cards.enqueue import fetch_card_later
from server.config import Config
from server.db import Conn
from server.federation import uris
from server.federation import vocabulary as v
from server.ids import new_id
from server.media import queries as media_q
from server.notifications import service as notifications
from server.notifications.edits import JOB_KIND as EDITED_JOB
from server.polls import service as polls_service
from server.quotes import inbound as quotes
from server.statuses import queries, quote_policy
from server.statuses.inbound import queries as inbound_q
from server.statuses.queries import NewStatus, Status
from server.statuses.sanitize import sanitize_html, sanitize_plain
from server.streaming import publish
from server.timeline import fanout

# How far up a thread missing parents are fetched (each fetch is one job).
MAX_PARENT_DEPTH = 5
MAX_CONTENT = 100_000
_TITLED = frozenset({"Article", "Page", "Event", "Video", "Audio", "Image"})


def visibility_from_audience(*, to: tuple[str, ...], cc: tuple[str, ...],
                             followers_url: str | None) -> str:
    """Mastodon's mapping: public in `to` is public, public in `cc` unlisted, the author's
    followers collection in `to` followers-only, anything else a direct message."""
    if any(u in uris.PUBLIC_FORMS for u in to):
        return "public"
    if any(u in uris.PUBLIC_FORMS for u in cc):
        return "unlisted"
    if followers_url is not None and followers_url in to:
        return "private"
    return "direct"


def render_content(note: v.Note) -> str:
    """Notes and Questions carry their own HTML. Articles, Pages and the like are shown as
    best we can: their title as a heading, then their content, or a link to them."""
    body = note.content[:MAX_CONTENT]
    if note.kind not in _TITLED or not note.name:
        return sanitize_html(body)
    title = f"<p><strong>{html.escape(note.name)}</strong></p>"
    if not body.strip():
        link = note.url or note.uri
        body = f'<p><a href="{html.escape(link, quote=True)}">{html.escape(link)}</a></p>'
    return sanitize_html(title + body)


def _media_type(attachment: v.Attachment) -> str:
    major = (attachment.media_type or "").split("/", 1)[0]
    if major in ("image", "video", "audio"):
        return major
    return {"Image": "image", "Video": "video", "Audio": "audio"}.get(attachment.kind, "unknown")


def _media_rows(note: v.Note) -> list[inbound_q.RemoteMedia]:
    rows = []
    for a in note.attachments:
        meta: dict[str, Any] = {}
        if a.width and a.height:
            meta["original"] = {"width": a.width, "height": a.height}
        x, y = a.focal_point or (0.0, 0.0)
        if a.focal_point is not None:
            meta["focus"] = {"x": x, "y": y}
        rows.append(inbound_q.RemoteMedia(
            id=new_id(), type=_media_type(a), remote_url=a.url, content_type=a.media_type,
            description=sanitize_plain(a.description or "", limit=1500) or None,
            blurhash=(a.blurhash or None) and a.blurhash[:100], meta=meta,
            focus_x=max(-1.0, min(1.0, x)), focus_y=max(-1.0, min(1.0, y))))
    return rows


async def _mentioned_accounts(conn: Conn, note: v.Note, author: Account) -> list[Account]:
    """Accounts named by Mention tags that we know (the handler resolved remote ones it
    could); unknown ones are skipped, as their link stays in the content anyway."""
    found: dict[int, Account] = {}
    for mention in note.mentions:
        account = await accounts_q.get_account_by_uri(conn, uri=mention.href)
        if account is not None and account.suspended_at is None and account.id != author.id:
            found[account.id] = account
    return list(found.values())


async def store_remote_status(conn: Conn, *, note: v.Note, author: Account, config: Config,
                              now: datetime, depth: int = 0) -> Status | None:
    """Store a remote post; None when it is already here (same URI), so delivering the same
    Create twice changes nothing (the INSERT skips a known URI)."""
    parent = None
    if note.in_reply_to:
        parent = await queries.get_status_by_uri(conn, uri=note.in_reply_to)
        if parent is not None and parent.deleted_at is not None:
            parent = None
    status_id = new_id()
    created_at = min(note.published or now, now)
    status = await inbound_q.insert_remote_status(conn, NewStatus(
        id=status_id, account_id=author.id, uri=note.uri, url=note.url or note.uri, local=False,
        content=render_content(note), visibility=visibility_from_audience(
            to=note.to, cc=note.cc, followers_url=author.followers_url),
        created_at=created_at, spoiler_text=sanitize_plain(note.summary, limit=1000),
        sensitive=note.sensitive or bool(note.summary.strip()), language=note.language,
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None,
        in_reply_to_uri=note.in_reply_to,
        conversation_id=(parent.conversation_id or parent.id) if parent else status_id,
        quote_policy=_quote_policy(note, author)),
        now=now)
    if status is None:
        return None  # stored already, maybe by a concurrent delivery of the same post
    mentioned = await _mentioned_accounts(conn, note, author)
    await queries.insert_mentions(conn, status_id=status_id, account_ids=[a.id for a in mentioned])
    for account in mentioned:
        await notifications.notify(conn, recipient=account, sender_id=author.id,
                                   type_="mention", status_id=status_id, now=now)
    await _store_extras(conn, status_id=status_id, author=author, note=note, now=now)
    await inbound_q.insert_remote_media(conn, account_id=author.id, status_id=status_id,
                                        media=_media_rows(note), now=now)
    if note.quote_uri is not None:
        await quotes.record_quote(conn, status=status, note=note, author=author, now=now,
                                  depth=depth)
    if note.in_reply_to and parent is None and depth < MAX_PARENT_DEPTH \
            and not uris.is_local(note.in_reply_to, config):
        await jobs.enqueue(conn, "federation.fetch_parent",
                           {"uri": note.in_reply_to, "depth": depth + 1}, now=now)
    # Into home feeds now: a job per incoming post would cost more than the fan-out itself.
    await fanout.fan_out(conn, status=status, now=now, facts=_stream_facts(status, note))
    await events.emit(conn, "status.received", {"status_id": status_id}, now=now)
    await fetch_card_later(conn, status_id=status_id, content=status.content, config=config,
                           now=now)
    return status


def _stream_facts(status: Status, note: v.Note) -> dict[str, Any]:
    """What streaming_q.get_stream_facts would read back for a post just stored."""
    return {"visibility": status.visibility, "local": False, "reblog_of_id": None,
            "reply_to_other": status.in_reply_to_account_id not in (None, status.account_id),
            "has_media": bool(note.attachments),
            "tags": sorted({n[:100].lower() for n in note.hashtags})}


async def _store_extras(conn: Conn, *, status_id: int, author: Account, note: v.Note,
                        now: datetime) -> None:
    names = [n[:100] for n in note.hashtags]
    await queries.tag_status(conn, status_id=status_id, ids=[new_id() for _ in names],
                             names=names, now=now)
    await inbound_q.insert_status_emojis(
        conn, status_id=status_id, emojis=[(e.shortcode[:100], e.url) for e in note.emojis])
    await _store_poll(conn, status_id=status_id, author=author, note=note, now=now)


async def _store_poll(conn: Conn, *, status_id: int, author: Account, note: v.Note,
                      now: datetime) -> None:
    if note.poll is not None:
        poll = note.poll
        poll_id = await inbound_q.upsert_remote_poll(
            conn, poll_id=new_id(), status_id=status_id, account_id=author.id,
            options=[sanitize_plain(o.name, limit=200) for o in poll.options],
            multiple=poll.multiple, expires_at=poll.ends_at, closed_at=poll.closed_at,
            counts=[o.votes for o in poll.options], voters=poll.voters_count, now=now)
        if poll.ends_at is not None and poll.closed_at is None:
            # Our members who voted are told when it ends (closing twice is a no-op).
            await polls_service.schedule_expiry(conn, poll_id=poll_id, expires_at=poll.ends_at,
                                                now=now)


def _quote_policy(note: v.Note, author: Account) -> int:
    return quote_policy.from_activity(note.can_quote, author_uri=author.uri,
                                      followers_uri=author.followers_url,
                                      following_uri=author.following_url)


async def update_remote_status(conn: Conn, *, status: Status, note: v.Note, author: Account,
                               now: datetime) -> bool:
    """Apply an edit, keeping the previous version as history. False when the Update is not
    newer than what we have (a redelivery, or an older edit arriving late) and leaves who may
    quote the post as it was."""
    edited_at = min(note.updated or now, now)
    # Who may quote it: Mastodon changes that by an Update of the same text, whose `updated`
    # is the last edit's (so applied before the check below).
    policy_changed = await queries.set_quote_policy(
        conn, status_id=status.id, policy=_quote_policy(note, author)) is not None
    if status.edited_at is not None and note.updated is not None \
            and note.updated <= status.edited_at:
        return policy_changed
    # A quote's stamp arrives by an Update that changes nothing else (Mastodon sends one once
    # the quoted author's server accepted): recorded whether or not the text changed.
    quote_changed = await quotes.record_quote(conn, status=status, note=note, author=author,
                                              now=now)
    quote_changed = quote_changed or policy_changed
    content = render_content(note)
    spoiler = sanitize_plain(note.summary, limit=1000)
    sensitive = note.sensitive or bool(spoiler)
    media = await inbound_q.list_status_media(conn, status_id=status.id)
    poll = await inbound_q.get_poll_of_status(conn, status_id=status.id)
    new_urls = [a.url for a in note.attachments]
    new_options = ([sanitize_plain(o.name, limit=200) for o in note.poll.options]
                   if note.poll else None)
    changed = (content != status.content or spoiler != status.spoiler_text
               or sensitive != status.sensitive or new_urls != [m["remote_url"] for m in media]
               or new_options != (poll["options"] if poll else None))
    if changed:
        await queries.insert_status_edit(
            conn, edit_id=new_id(), status=status,
            media=[media_q.snapshot(m) for m in media],
            poll_options=poll["options"] if poll else None,
            created_at=status.edited_at or status.created_at)
        await inbound_q.update_remote_status(conn, status_id=status.id, content=content,
                                             spoiler_text=spoiler, sensitive=sensitive,
                                             language=note.language, edited_at=edited_at)
        if new_urls != [m["remote_url"] for m in media]:
            await inbound_q.detach_status_media(conn, status_id=status.id)
            await inbound_q.insert_remote_media(conn, account_id=author.id, status_id=status.id,
                                                media=_media_rows(note), now=now)
        before = set(await queries.list_mentioned_account_ids(conn, status_id=status.id))
        mentioned = await _mentioned_accounts(conn, note, author)
        await queries.delete_mentions(conn, status_id=status.id)
        await queries.insert_mentions(conn, status_id=status.id,
                                      account_ids=[a.id for a in mentioned])
        for account in mentioned:
            if account.id not in before:
                await notifications.notify(conn, recipient=account, sender_id=author.id,
                                           type_="mention", status_id=status.id, now=now)
        await queries.delete_status_tags(conn, status_id=status.id)
        await inbound_q.delete_status_emojis(conn, status_id=status.id)
    elif note.poll is None:
        return quote_changed
    # Poll counts change without an edit (votes came in): refreshed either way.
    if changed:
        await _store_extras(conn, status_id=status.id, author=author, note=note, now=now)
    else:
        await _store_poll(conn, status_id=status.id, author=author, note=note, now=now)
    await publish.status_updated(conn, status_id=status.id)
    await events.emit(conn, "status.updated", {"status_id": status.id}, now=now,
                      also=(EDITED_JOB,) if changed else ())
    return True


async def store_remote_reblog(conn: Conn, *, uri: str, account: Account, original: Status,
                              to: tuple[str, ...], cc: tuple[str, ...],
                              published: datetime | None, now: datetime) -> Status | None:
    """A remote account's boost; None when it is already here or may not be boosted
    (followers-only and direct posts are only boosted by their own author)."""
    if original.reblog_of_id is not None or original.deleted_at is not None:
        return None
    if original.visibility not in ("public", "unlisted") and original.account_id != account.id:
        return None
    if await queries.get_status_by_uri(conn, uri=uri) is not None or \
            await queries.get_reblog_by(conn, account_id=account.id,
                                        reblog_of_id=original.id) is not None:
        return None
    reblog_id = new_id()
    inserted = await queries.insert_status(conn, NewStatus(
        id=reblog_id, account_id=account.id, uri=uri, url=None, local=False, content="",
        visibility=visibility_from_audience(to=to, cc=cc, followers_url=account.followers_url),
        created_at=min(published or now, now), reblog_of_id=original.id), now=now)
    if inserted is None:
        return None
    author = await accounts_q.get_account(conn, account_id=original.account_id)
    if author is not None:
        await notifications.notify(conn, recipient=author, sender_id=account.id, type_="reblog",
                                   status_id=original.id, now=now)
    status = await queries.get_status(conn, status_id=reblog_id)
    assert status is not None
    await fanout.fan_out(conn, status=status, now=now)
    await events.emit(conn, "status.reblog_received", {"status_id": reblog_id}, now=now)
    return status
