"""Outbound activities for statuses: Create, Update and Delete of Notes (Questions when they
carry a poll), Announce and its Undo, Like and its Undo.

Each handler runs after the change committed, checks that the acting account is local, and
builds the activity from the rows as they are now. The status (or favourite) row is locked
FOR SHARE while its deliveries are queued: a Delete or Undo committed meanwhile waits, so
its deliveries are queued after, and per-inbox ordering keeps them after on the wire.
"""

from __future__ import annotations

from typing import Any

from server.accounts.queries import Account
from server.db import Conn
from server.federation.activitypub import notes, serialize
from server.federation.activitypub import queries as ap_q
from server.federation.outbound import activities, queries
from server.federation.outbound.common import (
    follower_inboxes,
    local_account,
    personal_inbox,
    preferred_inboxes,
    remote_account,
    send,
)
from server.governance.federation import actor as coop_actor
from server.jobs.context import JobContext
from server.quotes import queries as quotes_q
from server.statuses import queries as statuses_q
from server.statuses.queries import Status


async def status_audience(conn: Conn, status: Status, *, include_reblogs: bool = False) -> set[str]:
    """Where a status goes, as Mastodon reaches it: mentioned accounts always; for all but
    direct messages also the author's followers, the replied-to author and the quoted
    author; and for a deletion everyone who boosted it."""
    direct = status.visibility == "direct"
    account_ids = await queries.list_named_account_ids(conn, status_id=status.id,
                                                       quoted=not direct)
    inboxes: set[str] = set()
    if not direct:
        if status.in_reply_to_account_id is not None:
            account_ids.append(status.in_reply_to_account_id)
        inboxes.update(await follower_inboxes(conn, status.account_id))
    if include_reblogs:
        account_ids += await queries.list_reblogger_ids(conn, status_id=status.id)
    inboxes.update(await preferred_inboxes(conn, account_ids))
    return inboxes


async def _polls(conn: Conn, status: Status, now: Any) -> dict[int, dict[str, Any]]:
    found = {}
    for row in await queries.list_status_polls(conn, status_ids=[status.id]):
        votes = row["remote_counts"] or row["votes"] or {}
        found[row["status_id"]] = {
            "options": [{"title": title, "votes": int(votes.get(str(i), 0))}
                        for i, title in enumerate(row["options"])],
            "multiple": row["multiple"], "expires_at": row["expires_at"],
            "closed": row["closed_at"] is not None or (row["expires_at"] is not None
                                                       and row["expires_at"] <= now),
            "voters_count": row["remote_voters"] if row["remote_counts"] else row["voters"]}
    return found


async def _note(ctx: JobContext, conn: Conn, status: Status, author: Account) -> dict[str, Any]:
    polls = await _polls(conn, status, ctx.clock.now())
    found = await notes.load_notes(conn, [status], author=_ref(author), config=ctx.config,
        polls=polls)
    return found[status.id]


def _ref(account: Account) -> notes.AuthorRef:
    return notes.AuthorRef.of({"uri": account.uri, "followers_url": account.followers_url})


async def _own_status(conn: Conn, status_id: int) -> tuple[Status, Account] | None:
    status = await statuses_q.get_status(conn, status_id=status_id)
    if status is None:
        return None
    if status.visibility != "direct" and await coop_actor.is_coop_account(conn, status.account_id):
        return None   # the Group publishes its own Question and outcome Note; only its
                      # direct messages (vote reminders) travel as ordinary statuses
    author = await local_account(conn, status.account_id)
    return (status, author) if author is not None else None


async def send_create(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        found = await _own_status(conn, int(payload["status_id"]))
        if found is None or found[0].reblog_of_id is not None:
            return
        status, author = found
        if not await queries.lock_live_status(conn, status_id=status.id):
            return   # deleted before it went out: its Delete is all the peers need
        inboxes = await status_audience(conn, status)
        if not inboxes:
            # Nobody elsewhere to tell. Posts known to reach nobody elsewhere never queue
            # this job (events.Reach); this is a follower gone since, or one suspended.
            return
        note = await _note(ctx, conn, status, author)
        create = serialize.to_ap_create(note, status=status, author=_ref(author))
        await send(conn, actor=author, activity=create, inboxes=inboxes, now=ctx.clock.now())


async def send_quote_request(ctx: JobContext, payload: dict[str, Any]) -> None:
    """A member's post quotes a post elsewhere: ask its author's server for leave (FEP-044f),
    the quoting Note inlined, as Mastodon 4.5 asks. The answer reaches quotes/answers.py."""
    async with ctx.db.transaction() as conn:
        found = await _own_status(conn, int(payload["status_id"]))
        if found is None or not await queries.lock_live_status(conn, status_id=found[0].id):
            return
        status, author = found
        quote = await quotes_q.get_quote(conn, status_id=status.id)
        if quote is None or quote.state != quotes_q.PENDING or quote.activity_uri is None \
                or quote.quoted_account_id is None:
            return
        target = await remote_account(conn, quote.quoted_account_id)
        if target is None:
            return
        note = await _note(ctx, conn, status, author)
        request = serialize.with_context(
            activities.quote_request(quote.activity_uri, actor_uri=author.uri, instrument=note,
                                     quoted_uri=quote.quoted_uri),
            note.get("@context", serialize.AS))
        await send(conn, actor=author, activity=request, inboxes=personal_inbox(target),
                   now=ctx.clock.now())


async def send_quote_revocation(ctx: JobContext, payload: dict[str, Any]) -> None:
    """A member took back a quote of their post by someone elsewhere: the Delete of our stamp
    goes to the quoting author and to the servers of the member's followers, which may show
    the quote (quotes/local.py withdraw; the stamp itself is no longer served)."""
    async with ctx.db.transaction() as conn:
        author = await local_account(conn, int(payload["account_id"]))
        quoting = await statuses_q.get_status(conn, status_id=int(payload["status_id"]))
        if author is None or quoting is None or quoting.local:
            return
        target = await remote_account(conn, quoting.account_id)
        if target is None:
            return
        stamp = quotes_q.authorization_uri(author.uri, quoting.id)
        inboxes = dict.fromkeys([*personal_inbox(target),
                                 *await follower_inboxes(conn, author.id)])
        await send(conn, actor=author, inboxes=list(inboxes), now=ctx.clock.now(),
                   activity=activities.delete_quote_authorization(stamp, actor_uri=author.uri))


async def send_update(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        found = await _own_status(conn, int(payload["status_id"]))
        if found is None or found[0].reblog_of_id is not None:
            return
        status, author = found
        if not await queries.lock_live_status(conn, status_id=status.id):
            return
        inboxes = await status_audience(conn, status)
        if not inboxes:
            return
        note = await _note(ctx, conn, status, author)
        update = activities.update_note(note, actor_uri=author.uri,
                                        edited_at=status.edited_at or ctx.clock.now())
        await send(conn, actor=author, activity=update, inboxes=inboxes, now=ctx.clock.now())


async def send_delete(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        found = await _own_status(conn, int(payload["status_id"]))
        if found is None or found[0].reblog_of_id is not None:
            return
        status, author = found
        inboxes = await status_audience(conn, status, include_reblogs=True)
        delete = activities.delete_note(status.uri, actor_uri=author.uri)
        await send(conn, actor=author, activity=delete, inboxes=inboxes, now=ctx.clock.now())


async def _announce(conn: Conn, boost: Status,
                    booster: Account) -> tuple[dict[str, Any], set[str]] | None:
    assert boost.reblog_of_id is not None
    target = (await ap_q.list_status_uris_and_authors(conn, status_ids=[boost.reblog_of_id])
              ).get(boost.reblog_of_id)
    original = await statuses_q.get_status(conn, status_id=boost.reblog_of_id)
    if target is None or original is None:
        return None
    announce = serialize.to_ap_announce(
        boost, author=_ref(booster),
        boosted_uri=target["uri"], boosted_author_uri=target["author_uri"])
    inboxes = set(await follower_inboxes(conn, booster.id))
    inboxes.update(await preferred_inboxes(conn, [original.account_id]))
    return announce, inboxes


async def send_announce(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        found = await _own_status(conn, int(payload["status_id"]))
        if found is None or found[0].reblog_of_id is None:
            return
        boost, booster = found
        if not await queries.lock_live_status(conn, status_id=boost.id):
            return
        built = await _announce(conn, boost, booster)
        if built is not None:
            await send(conn, actor=booster, activity=built[0], inboxes=built[1],
                       now=ctx.clock.now())


async def send_undo_announce(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        found = await _own_status(conn, int(payload["status_id"]))
        if found is None or found[0].reblog_of_id is None:
            return
        boost, booster = found
        built = await _announce(conn, boost, booster)
        if built is None:
            return
        announce, inboxes = built
        undo = activities.undo(booster.uri, announce, to=announce["to"], cc=announce["cc"])
        await send(conn, actor=booster, activity=undo, inboxes=inboxes, now=ctx.clock.now())


async def _like_target(conn: Conn,
                       payload: dict[str, Any]) -> tuple[Account, Status, Account] | None:
    """A local account's favourite of a remote status: only those travel (a like of a local
    post is already known to everyone who needs it)."""
    liker = await local_account(conn, int(payload["account_id"]))
    status = await statuses_q.get_status(conn, status_id=int(payload["status_id"]))
    if liker is None or status is None or status.local:
        return None
    author = await remote_account(conn, status.account_id)
    return (liker, status, author) if author is not None else None


async def send_like(ctx: JobContext, payload: dict[str, Any]) -> None:
    uri = payload.get("favourite_uri")
    async with ctx.db.transaction() as conn:
        found = await _like_target(conn, payload)
        if found is None or not uri or not await queries.lock_favourite(conn, uri=uri):
            return
        liker, status, author = found
        await send(conn, actor=liker, activity=activities.like(uri, actor_uri=liker.uri,
                                                               object_uri=status.uri),
                   inboxes=personal_inbox(author), now=ctx.clock.now())


async def send_undo_like(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.db.transaction() as conn:
        found = await _like_target(conn, payload)
        if found is None:
            return
        liker, status, author = found
        uri = payload.get("favourite_uri") or f"{liker.uri}#likes/{status.id}"
        like = activities.like(uri, actor_uri=liker.uri, object_uri=status.uri)
        await send(conn, actor=liker, activity=activities.undo(liker.uri, like),
                   inboxes=personal_inbox(author), now=ctx.clock.now())

