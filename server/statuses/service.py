"""Local authors' statuses: posting, editing, deleting, boosting and favouriting.

Each function runs inside the caller's transaction, writes the change, and emits an event
(server/events.py) so home feeds, notifications and federation follow after commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from server import events
from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.cards.enqueue import JOB_KIND as CARD_JOB
from server.cards.enqueue import wants_card
from server.config import Config
from server.db import Conn
from server.errors import ForbiddenError, NotFoundError, ValidationError
from server.follows import queries as follows_q
from server.ids import new_id
from server.media import queries as media_q
from server.media.service import check_description
from server.notifications import service as notifications
from server.notifications.edits import JOB_KIND as EDITED_JOB
from server.quotes import local as quotes_local
from server.statuses import compose, polls, queries, quote_policy, text, urls
from server.streaming import publish
from server.statuses.compose import Draft, MediaChange
from server.statuses.queries import NewStatus, Status


async def access_status_for_viewing(conn: Conn, *, status_id: int, viewer: Account | None) -> Status:
    """The only way to obtain a status on someone's behalf: 404 when they may not see it."""
    status = await queries.get_status(conn, status_id=status_id)
    if status is None or status.deleted_at is not None or not await can_view(conn, status, viewer):
        raise NotFoundError("Record not found")
    return status


async def can_view(conn: Conn, status: Status, viewer: Account | None) -> bool:
    if viewer is not None and viewer.id == status.account_id:
        return True
    if viewer is not None and await queries.blocked_either_way(conn, a=viewer.id, b=status.account_id):
        return False
    if status.visibility in ("public", "unlisted"):
        return True
    if viewer is None:
        return False
    if await queries.is_mentioned(conn, status_id=status.id, account_id=viewer.id):
        return True
    return status.visibility == "private" and await queries.can_see_private(
        conn, viewer_id=viewer.id, author_id=status.account_id)


async def create_status(conn: Conn, *, config: Config, author: Account, draft: Draft, now: datetime,
                        application_id: int | None = None) -> Status:
    draft = compose.check_draft(draft)
    parent = None
    if draft.in_reply_to_id is not None:
        parent = await queries.get_status(conn, status_id=draft.in_reply_to_id)
        if parent is None or parent.deleted_at is not None or not await can_view(conn, parent, author):
            raise ValidationError("Validation failed: the post you reply to does not exist",
                                  field="in_reply_to_id")
    quoted = await _quoted(conn, draft, author) if draft.quoted_status_id is not None else None
    status_id = new_id()
    mentioned = await _resolve_mentions(conn, draft.text, config=config)
    if parent is not None and parent.account_id != author.id:
        parent_author = await accounts_q.get_account(conn, account_id=parent.account_id)
        if parent_author is not None:
            mentioned.setdefault(parent_author.acct().lower(), parent_author)
    content = text.format_text(draft.text, mentions=_link_targets(mentioned, config),
                               tag_url=lambda n: urls.tag_url(config, n))
    status = await queries.insert_status_row(conn, NewStatus(
        id=status_id, account_id=author.id, uri=urls.status_uri(config, author.username, status_id),
        url=urls.status_url(config, author.username, status_id), local=True, content=content,
        text_source=draft.text, visibility=draft.visibility, created_at=now,
        spoiler_text=draft.spoiler_text, sensitive=draft.sensitive, language=draft.language,
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None,
        in_reply_to_uri=parent.uri if parent else None,
        conversation_id=(parent.conversation_id or parent.id) if parent else status_id,
        application_id=application_id, quote_policy=draft.quote_policy), now=now)
    assert status is not None   # a fresh id makes a fresh URI
    # Each step below costs a round trip only when the post has that part: a plain post is
    # one INSERT here and one for its jobs.
    await _record_mentions(conn, status_id=status_id, author=author, mentioned=mentioned, now=now)
    names = text.extract_hashtags(draft.text)
    await queries.tag_status(conn, status_id=status_id, ids=[new_id() for _ in names], names=names,
                             now=now)
    attached = await _attach_media(conn, author=author, status_id=status_id,
                                   media_ids=draft.media_ids)
    if draft.poll is not None:
        await polls.create_poll(conn, status_id=status_id, account_id=author.id, draft=draft.poll,
                                now=now)
    # Most posts have no link: the card job goes only with those that do (and no media).
    also = (CARD_JOB,) if not attached and wants_card(content, config) else ()
    reach = _reach(author, draft.visibility, mentioned.values())
    if quoted is not None:
        await quotes_local.record_local_quote(conn, status=status, author_uri=author.uri,
                                              quoted=quoted, now=now)
        if not quoted.local:    # its author's server is asked, and the post goes there too
            also, reach = (*also, quotes_local.SEND_REQUEST_JOB), None
    await events.emit(conn, "status.created", {"status_id": status_id}, now=now, also=also,
                      reach=reach)
    return status


async def quote_answer(conn: Conn, *, quoted: Status, account: Account) -> str:
    """How the post's quote policy (statuses.quote_policy) applies to this account:
    `automatic`, `manual`, `unknown` or `denied` (also when it may not see the post)."""
    if quoted.deleted_at is not None:
        return "denied"
    follows = followed = False
    author = account.id == quoted.account_id
    if not author and quote_policy.depends_on_relations(quoted.quote_policy):
        following, followed_by = await follows_q.list_relations_with(
            conn, account_id=account.id, other_ids=[quoted.account_id])
        follows, followed = bool(following), bool(followed_by)
    answer = quote_policy.answer(quoted.quote_policy, visibility=quoted.visibility,
                                 boost=quoted.reblog_of_id is not None,
                                 reader="author" if author else "other",
                                 follows_author=follows, followed_by_author=followed)
    if answer != "denied" and not await can_view(conn, quoted, account):
        return "denied"
    return answer


async def may_quote(conn: Conn, *, quoted: Status, account: Account) -> bool:
    """Whether a quote of a member's post by this account is approved at once (nothing here
    is reviewed by hand: any other answer refuses it)."""
    return await quote_answer(conn, quoted=quoted, account=account) == "automatic"


async def _quoted(conn: Conn, draft: Draft, author: Account) -> Status:
    assert draft.quoted_status_id is not None
    quoted = await queries.get_status(conn, status_id=draft.quoted_status_id)
    if quoted is None or quoted.deleted_at is not None \
            or not await can_view(conn, quoted, author):
        raise ValidationError("Validation failed: the post you quote does not exist",
                              field="quoted_status_id")
    # A post from elsewhere may be asked for unless its policy denies it; a post here is
    # decided now.
    answer = await quote_answer(conn, quoted=quoted, account=author)
    if answer == "denied" or (quoted.local and answer != "automatic"):
        raise ValidationError("Validation failed: this post cannot be quoted",
                              field="quoted_status_id")
    return quoted


async def _resolve_mentions(conn: Conn, body: str, *, config: Config) -> dict[str, Account]:
    """Mentions of accounts we know. Unknown remote accounts must be resolved (WebFinger)
    before the transaction that posts; they stay plain text otherwise."""
    found: dict[str, Account] = {}
    for ref in text.extract_mentions(body, local_domain=config.domain):
        account = await accounts_q.find_account_by_acct(conn, username=ref.username, domain=ref.domain)
        if account is not None and account.suspended_at is None:
            found[ref.acct.lower()] = account
            if ref.domain is None:
                found[f"{ref.username.lower()}@{config.domain.lower()}"] = account
    return found


async def _record_mentions(conn: Conn, *, status_id: int, author: Account,
                           mentioned: dict[str, Account], now: datetime) -> None:
    others = {a.id: a for a in mentioned.values() if a.id != author.id}
    await queries.insert_mentions(conn, status_id=status_id, account_ids=list(others))
    for account in others.values():
        await notifications.notify(conn, recipient=account, sender_id=author.id, type_="mention",
                                   status_id=status_id, now=now)


def _reach(author: Account, visibility: str, named: Iterable[Account]) -> events.Reach | None:
    """Whether a new post can go to other servers, as far as known before its jobs are
    queued: to remote accounts it names (mentions, the replied-to author) always; otherwise
    to the author's followers elsewhere, if any (and for a direct message, to nobody)."""
    if any(not account.local for account in named):
        return None
    return events.Reach(followers_of=None if visibility == "direct" else author.id)


def _boost_reach(booster: Account, original: Status) -> events.Reach | None:
    """A boost (and its undoing) goes to the booster's followers and the original's author."""
    return None if not original.local else events.Reach(followers_of=booster.id)


def _like_reach(account: Account, status: Status) -> events.Reach | None:
    """Only a local account's like of a remote post travels (to its author)."""
    return None if account.local and not status.local else events.Reach()


def _link_targets(mentioned: dict[str, Account], config: Config) -> dict[str, text.LinkTarget]:
    return {acct: text.LinkTarget(url=a.url or a.uri, username=a.username)
            for acct, a in mentioned.items()}


async def _store_tags(conn: Conn, *, status_id: int, names: list[str], now: datetime) -> None:
    tag_ids = await queries.upsert_tags(conn, ids=[new_id() for _ in names], names=names, now=now)
    await queries.insert_status_tags(conn, status_id=status_id, tag_ids=tag_ids)


async def _own_status(conn: Conn, *, account: Account, status_id: int) -> Status:
    status = await queries.get_status(conn, status_id=status_id)
    if status is None or status.deleted_at is not None or status.reblog_of_id is not None:
        raise NotFoundError("Record not found")
    if status.account_id != account.id:
        raise ForbiddenError("This action is not allowed")
    return status


async def _attach_media(conn: Conn, *, author: Account, status_id: int,
                        media_ids: list[int]) -> list[int]:
    """The author's uploads on the post, in this order; one that is not theirs (or is on
    another post) refuses the whole post."""
    attached = await queries.attach_media(conn, media_ids=media_ids, account_id=author.id,
                                          status_id=status_id)
    if len(attached) != len(media_ids):
        raise ValidationError("Validation failed: a media attachment does not exist or is not yours",
                              field="media_ids")
    return attached


async def edit_status(conn: Conn, *, config: Config, author: Account, status_id: int, draft: Draft,
                      now: datetime, media_changes: Sequence[MediaChange] = (),
                      keep_poll: bool = False) -> Status:
    """Keep the previous version as history (with its attachments and poll as they were),
    then change text, warning, the attachments (`draft.media_ids`: those not named leave
    the post), their descriptions and focal points, and the poll (`draft.poll`; none removes
    it, as in Mastodon, unless `keep_poll`)."""
    before = await _own_status(conn, account=author, status_id=status_id)
    chosen_policy = draft.quote_policy
    draft = compose.check_draft(Draft(text=draft.text, visibility=before.visibility,
                                      spoiler_text=draft.spoiler_text, sensitive=draft.sensitive,
                                      language=draft.language, media_ids=draft.media_ids,
                                      poll=draft.poll))
    media_before = await media_q.list_media_for_statuses(conn, status_ids=[status_id])
    poll_before = await queries.get_status_poll(conn, status_id=status_id)
    await queries.insert_status_edit(conn, edit_id=new_id(), status=before,
                                     media=[m.snapshot() for m in media_before],
                                     poll_options=poll_before["options"] if poll_before else None,
                                     created_at=before.edited_at or before.created_at)
    # The attachments become those named, in that order (none named: none), as Mastodon's
    # edit does; a file that leaves the post stays in the history above.
    await _attach_media(conn, author=author, status_id=status_id, media_ids=draft.media_ids)
    await queries.detach_media_except(conn, status_id=status_id, keep_ids=draft.media_ids)
    if not keep_poll:
        await polls.edit_poll(conn, status_id=status_id, account_id=author.id,
                              current=poll_before, draft=draft.poll, now=now)
    for change in media_changes:
        check_description(change.description)
        if not await media_q.update_status_media(conn, media_id=change.id, account_id=author.id,
                                                 status_id=status_id,
                                                 description=change.description,
                                                 focus=change.focus):
            raise ValidationError("Validation failed: media_attributes may only name this "
                                  "post's attachments", field="media_attributes")
    mentioned = await _resolve_mentions(conn, draft.text, config=config)
    content = text.format_text(draft.text, mentions=_link_targets(mentioned, config),
                               tag_url=lambda n: urls.tag_url(config, n))
    await queries.update_status_content(conn, status_id=status_id, content=content,
                                        text_source=draft.text, spoiler_text=draft.spoiler_text,
                                        sensitive=draft.sensitive, language=draft.language,
                                        edited_at=now)
    if chosen_policy is not None:
        await queries.set_quote_policy(conn, status_id=status_id, policy=quote_policy.for_local_post(
            chosen_policy, visibility=before.visibility, boost=False))
    await _record_mentions(conn, status_id=status_id, author=author, mentioned=mentioned, now=now)
    await queries.delete_status_tags(conn, status_id=status_id)
    await _store_tags(conn, status_id=status_id, names=text.extract_hashtags(draft.text), now=now)
    await publish.status_updated(conn, status_id=status_id)
    await events.emit(conn, "status.updated", {"status_id": status_id}, now=now,
                      also=(EDITED_JOB,))
    after = await queries.get_status(conn, status_id=status_id)
    assert after is not None
    return after


async def set_quote_policy(conn: Conn, *, author: Account, status_id: int, policy: int,
                           now: datetime) -> Status:
    """Who may quote a member's post, changed by its author (not an edit: no history, no
    notice to those who boosted it); followers and other servers hear of it as of an edit.
    A post that is not public or unlisted keeps its author-only policy."""
    before = await _own_status(conn, account=author, status_id=status_id)
    after = await queries.set_quote_policy(
        conn, status_id=status_id,
        policy=quote_policy.for_local_post(policy, visibility=before.visibility, boost=False))
    if after is None:
        return before
    await publish.status_updated(conn, status_id=status_id)
    await events.emit(conn, "status.updated", {"status_id": status_id}, now=now)
    return after


async def delete_status(conn: Conn, *, account: Account, status_id: int, now: datetime,
                        by_moderator: bool = False) -> Status:
    """A tombstone, not a hard delete: moderation appeals may restore it."""
    status = await queries.get_status(conn, status_id=status_id)
    if status is None or status.deleted_at is not None:
        raise NotFoundError("Record not found")
    if status.account_id != account.id and not by_moderator:
        raise ForbiddenError("This action is not allowed")
    await queries.mark_status_deleted(conn, status_id=status_id, now=now)
    for reblog_id, _ in await queries.mark_reblogs_deleted(conn, status_id=status_id, now=now):
        await publish.status_deleted(conn, status_id=reblog_id)
        await events.emit(conn, "status.unreblogged", {"status_id": reblog_id}, now=now)
    await publish.status_deleted(conn, status_id=status_id)
    await events.emit(conn, "status.deleted", {"status_id": status_id}, now=now)
    return status


async def reblog(conn: Conn, *, config: Config, account: Account, status_id: int, now: datetime,
                 visibility: str = "public") -> Status:
    original = await access_status_for_viewing(conn, status_id=status_id, viewer=account)
    if original.reblog_of_id is not None:
        original = await access_status_for_viewing(conn, status_id=original.reblog_of_id, viewer=account)
    if original.visibility in ("private", "direct") and original.account_id != account.id:
        raise ForbiddenError("This action is not allowed")
    existing = await queries.get_reblog_by(conn, account_id=account.id, reblog_of_id=original.id)
    if existing is not None:
        found = await queries.get_status(conn, status_id=existing)
        assert found is not None
        return found
    if visibility not in ("public", "unlisted", "private"):
        raise ValidationError("visibility must be public, unlisted or private.", field="visibility")
    reblog_id = new_id()
    made = await queries.insert_status_row(conn, NewStatus(
        id=reblog_id, account_id=account.id, uri=urls.reblog_uri(config, account.username, reblog_id),
        url=None, local=True, content="", visibility=visibility, created_at=now,
        reblog_of_id=original.id), now=now)
    assert made is not None
    await _notify_author(conn, status=original, sender_id=account.id, type_="reblog", now=now)
    await events.emit(conn, "status.reblogged", {"status_id": reblog_id}, now=now,
                      reach=_boost_reach(account, original))
    return made


async def unreblog(conn: Conn, *, account: Account, status_id: int, now: datetime) -> Status:
    original = await access_status_for_viewing(conn, status_id=status_id, viewer=account)
    reblog_id = await queries.get_reblog_by(conn, account_id=account.id, reblog_of_id=original.id)
    if reblog_id is not None:
        await queries.mark_status_deleted(conn, status_id=reblog_id, now=now)
        await publish.status_deleted(conn, status_id=reblog_id)
        await events.emit(conn, "status.unreblogged", {"status_id": reblog_id}, now=now,
                          reach=_boost_reach(account, original))
    return original


async def favourite(conn: Conn, *, account: Account, status_id: int, now: datetime,
                    uri: str | None = None) -> Status:
    status = await access_status_for_viewing(conn, status_id=status_id, viewer=account)
    favourite_id = new_id()
    if uri is None and account.local:
        # The Like sent to the author's server needs an id that its Undo can name later.
        uri = f"{account.uri}#likes/{favourite_id}"
    if await queries.insert_favourite(conn, favourite_id=favourite_id, account_id=account.id,
                                      status_id=status.id, uri=uri, now=now):
        await _notify_author(conn, status=status, sender_id=account.id, type_="favourite", now=now)
        await events.emit(conn, "status.favourited",
                          {"status_id": status.id, "account_id": account.id,
                           "favourite_uri": uri}, now=now, reach=_like_reach(account, status))
    return status


async def _notify_author(conn: Conn, *, status: Status, sender_id: int, type_: str,
                         now: datetime) -> None:
    author = await accounts_q.get_account(conn, account_id=status.account_id)
    if author is not None:
        await notifications.notify(conn, recipient=author, sender_id=sender_id, type_=type_,
                                   status_id=status.id, now=now)


async def unfavourite(conn: Conn, *, account: Account, status_id: int, now: datetime) -> Status:
    status = await access_status_for_viewing(conn, status_id=status_id, viewer=account)
    removed = await queries.delete_favourite(conn, account_id=account.id, status_id=status.id)
    if removed is not None:
        await notifications.withdraw(conn, recipient_id=status.account_id, sender_id=account.id,
                                     type_="favourite", status_id=status.id)
        await events.emit(conn, "status.unfavourited",
                          {"status_id": status.id, "account_id": account.id,
                           "favourite_uri": removed["uri"]}, now=now,
                          reach=_like_reach(account, status))
    return status

