"""Posting from the compose form with what the API's clients attach: up to four images,
each with its description (alt text), a sensitive flag, or a poll.

The images go through the media service as an API upload does (size and type checks, EXIF
stripped, preview and blurhash), each in its own transaction as there; the post follows in
another. When anything is refused, the images already stored are removed again, so a
refused post leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from server.accounts.queries import Account
from server.api import queries as api_q
from server.config import Config
from server.db import Database
from server.errors import PayloadTooLargeError, ValidationError
from server.ids import parse_id
from server.media import service as media
from server.media import storage
from server.media.images import IMAGE_SIZE_LIMIT
from server.statuses import compose, quote_policy, service
from server.statuses import queries as statuses_q
from server.statuses.compose import MAX_CHARS, MAX_MEDIA, POLL_MAX_OPTIONS, Draft, PollDraft
from server.statuses.queries import PostingDefaults, Status
from server.web.social.uploads import FileUpload

_MAX_FIELD = MAX_CHARS * 20   # far beyond any valid post: refused before formatting it
MEDIA_FIELDS = [f"media_{i}" for i in range(MAX_MEDIA)]
KEPT = ("status", "spoiler_text", "visibility", "language", "in_reply_to_id", "next",
        "quoted_status_id",
        "sensitive", "poll_expires_in", "poll_multiple",
        *(f"description_{i}" for i in range(MAX_MEDIA)),
        *(f"poll_option_{i}" for i in range(POLL_MAX_OPTIONS)))


def _checked(form: Mapping[str, str], name: str) -> bool:
    return form.get(name, "") in ("on", "true", "1")


def poll_from(form: Mapping[str, str]) -> PollDraft | None:
    """A poll when any option is filled in; its checks are compose.check_poll's."""
    options = [form.get(f"poll_option_{i}", "")[:_MAX_FIELD] for i in range(POLL_MAX_OPTIONS)]
    if not any(o.strip() for o in options):
        return None
    seconds = form.get("poll_expires_in", "").strip()
    if not seconds.isdigit():
        raise ValidationError("Choose how long the poll stays open.", field="poll[expires_in]")
    return PollDraft(options=[o for o in options if o.strip()],
                     expires_in=timedelta(seconds=int(seconds)),
                     multiple=_checked(form, "poll_multiple"))


def draft_from(form: Mapping[str, str], defaults: PostingDefaults) -> Draft:
    """The form's fields over the author's posting preferences, as the API reads them."""
    reply = form.get("in_reply_to_id", "").strip()
    quoted = form.get("quoted_status_id", "").strip()
    policy = form.get("quote_approval_policy", "").strip() or defaults.quote_policy
    return Draft(text=form.get("status", "")[:_MAX_FIELD],
                 spoiler_text=form.get("spoiler_text", "")[:_MAX_FIELD],
                 visibility=form.get("visibility", "").strip() or defaults.visibility,
                 sensitive=_checked(form, "sensitive") or defaults.sensitive,
                 language=form.get("language", "").strip() or defaults.language,
                 # A reply to an id that cannot exist is refused by create_status like any
                 # other post that is not there (-1 is never an id).
                 in_reply_to_id=(parse_id(reply) or -1) if reply else None,
                 quoted_status_id=(parse_id(quoted) or -1) if quoted else None,
                 poll=poll_from(form), quote_policy=quote_policy.chosen(policy))


def check_files(form: Mapping[str, str],
                files: Mapping[str, FileUpload]) -> list[tuple[str, FileUpload, str]]:
    """(field, file, description) for each chosen image, refused early when one is too
    large or its description too long."""
    chosen = []
    for i, name in enumerate(MEDIA_FIELDS):
        upload = files.get(name)
        if upload is None:
            continue
        if len(upload.data) > IMAGE_SIZE_LIMIT:
            raise PayloadTooLargeError(
                f"Image {i + 1} is too large: images can be at most "
                f"{IMAGE_SIZE_LIMIT // (1024 * 1024)} MB.", field=name)
        description = form.get(f"description_{i}", "").strip()
        try:
            media.check_description(description)
        except ValidationError as exc:
            raise ValidationError(f"Image {i + 1}: {exc.message}",
                                  field=f"description_{i}") from None
        chosen.append((name, upload, description))
    return chosen


async def publish(db: Database, *, config: Config, author: Account, form: Mapping[str, str],
                  files: Mapping[str, FileUpload], now: datetime) -> Status:
    """Post what the compose form sent. Raises the service's errors (with the field);
    nothing of a refused post stays stored."""
    async with db.acquire() as conn:
        poster = await statuses_q.get_poster(conn, account_id=author.id)
    assert poster is not None   # a signed-in member has an account and a user
    draft = draft_from(form, poster[1])
    chosen = check_files(form, files)
    # The text and poll are checked before any image is decoded, with stand-in ids.
    compose.check_draft(replace(draft, media_ids=list(range(1, len(chosen) + 1))))
    media_ids: list[int] = []
    try:
        for i, (name, upload, description) in enumerate(chosen):
            try:
                row = await media.create_media(db, config=config, account_id=author.id,
                                               data=upload.data,
                                               content_type=upload.content_type,
                                               description=description or None, focus=None,
                                               now=now)
            except ValidationError as exc:
                raise ValidationError(f"Image {i + 1}: {exc.message}", field=name) from None
            media_ids.append(row.id)
        async with db.transaction() as conn:
            return await service.create_status(conn, config=config, author=author,
                                               draft=replace(draft, media_ids=media_ids),
                                               now=now)
    except BaseException:
        await _discard(db, config, author.id, media_ids)
        raise


async def _discard(db: Database, config: Config, account_id: int, media_ids: list[int]) -> None:
    for media_id in media_ids:
        async with db.transaction() as conn:
            paths = await api_q.delete_unattached_media(conn, media_id=media_id,
                                                        account_id=account_id)
        for path in paths or []:
            await storage.remove(config, path)
