"""Checking and shaping what a local author submits, before anything is written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from server.errors import ValidationError
from server.statuses.text import URL_RE, MENTION_RE

MAX_CHARS = 500
URL_WEIGHT = 23
MAX_MEDIA = 4
POLL_MAX_OPTIONS = 4
POLL_MAX_OPTION_CHARS = 50
POLL_MIN_EXPIRY = timedelta(minutes=5)
POLL_MAX_EXPIRY = timedelta(days=31)
VISIBILITIES = ("public", "unlisted", "private", "direct")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


@dataclass(frozen=True)
class PollDraft:
    options: list[str]
    expires_in: timedelta
    multiple: bool = False
    hide_totals: bool = False


@dataclass(frozen=True)
class Draft:
    text: str
    visibility: str = "public"
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None
    in_reply_to_id: int | None = None
    media_ids: list[int] = field(default_factory=list)
    poll: PollDraft | None = None
    quoted_status_id: int | None = None
    # Who may quote it (statuses.quote_policy's integer); None: the default, public.
    quote_policy: int | None = None


@dataclass(frozen=True, slots=True)
class MediaChange:
    """An edit's change to one attachment (the API's `media_attributes[]`): None keeps."""
    id: int
    description: str | None = None
    focus: tuple[float, float] | None = None


def counted_length(text: str) -> int:
    """Length as Mastodon counts it: every link weighs 23, a remote mention only its username."""
    text = URL_RE.sub("x" * URL_WEIGHT, text)
    text = MENTION_RE.sub(lambda m: "@" + m.group(1), text)
    return len(text)


def check_draft(draft: Draft) -> Draft:
    text = draft.text.strip()
    if draft.visibility not in VISIBILITIES:
        raise ValidationError(f"visibility must be one of {', '.join(VISIBILITIES)}.", field="visibility")
    if not text and not draft.media_ids and draft.poll is None:
        raise ValidationError("Validation failed: Text can't be blank", field="status")
    if counted_length(text) + len(draft.spoiler_text) > MAX_CHARS:
        raise ValidationError(f"Validation failed: Text character limit of {MAX_CHARS} exceeded",
                              field="status")
    if len(draft.media_ids) > MAX_MEDIA:
        raise ValidationError(f"Validation failed: You can attach at most {MAX_MEDIA} files",
                              field="media_ids")
    if len(set(draft.media_ids)) != len(draft.media_ids):
        raise ValidationError("Validation failed: the same file is attached twice", field="media_ids")
    if draft.media_ids and draft.poll is not None:
        raise ValidationError("Validation failed: A post cannot have both files and a poll",
                              field="poll")
    if draft.language is not None and not _LANGUAGE.match(draft.language):
        raise ValidationError(f"Validation failed: {draft.language!r} is not a language code",
                              field="language")
    if draft.poll is not None:
        check_poll(draft.poll)
    return Draft(text=text, visibility=draft.visibility, spoiler_text=draft.spoiler_text.strip(),
                 sensitive=draft.sensitive or bool(draft.spoiler_text.strip()),
                 language=draft.language, in_reply_to_id=draft.in_reply_to_id,
                 media_ids=list(draft.media_ids), poll=draft.poll,
                 quoted_status_id=draft.quoted_status_id, quote_policy=draft.quote_policy)


def check_poll(poll: PollDraft) -> None:
    options = [o.strip() for o in poll.options]
    if not 2 <= len(options) <= POLL_MAX_OPTIONS:
        raise ValidationError(f"Validation failed: A poll needs 2 to {POLL_MAX_OPTIONS} options",
                              field="poll[options]")
    if any(not o for o in options):
        raise ValidationError("Validation failed: Poll options can't be blank", field="poll[options]")
    if any(len(o) > POLL_MAX_OPTION_CHARS for o in options):
        raise ValidationError(
            f"Validation failed: Poll options can be at most {POLL_MAX_OPTION_CHARS} characters",
            field="poll[options]")
    if len({o.lower() for o in options}) != len(options):
        raise ValidationError("Validation failed: Poll options must be different", field="poll[options]")
    if not POLL_MIN_EXPIRY <= poll.expires_in <= POLL_MAX_EXPIRY:
        raise ValidationError("Validation failed: A poll must last between 5 minutes and 31 days",
                              field="poll[expires_in]")
