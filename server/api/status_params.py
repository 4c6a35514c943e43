"""Turning the parameters of POST and PUT /api/v1/statuses into a Draft; a bad value is a
422 naming the parameter, before anything is written."""

from __future__ import annotations

from datetime import datetime, timedelta

from server.api.params import Params, parse_id
from server.errors import ValidationError
from server.media.attachments import parse_focus
from server.statuses import quote_policy
from server.statuses.compose import MAX_CHARS, VISIBILITIES, Draft, MediaChange, PollDraft

_MAX_TEXT = MAX_CHARS * 20   # far beyond any valid post: refuse before formatting it


def _ids(params: Params, name: str) -> list[int]:
    ids = []
    for raw in params.list(name):
        value = parse_id(raw.strip())
        if value is None:
            raise ValidationError(f"{name} must be a list of ids", field=name)
        ids.append(value)
    return ids


def read_media_changes(params: Params) -> list[MediaChange]:
    """An edit's `media_attributes[]`: each names an attachment by `id` and gives its new
    `description` and/or `focus`."""
    changes = []
    for item in params.nested_list("media_attributes"):
        media_id = parse_id((item.str("id") or "").strip())
        if media_id is None:
            raise ValidationError("media_attributes must each name an attachment by id",
                                  field="media_attributes")
        changes.append(MediaChange(id=media_id, description=item.str("description"),
                                   focus=parse_focus(item.str("focus"))))
    return changes


def _poll(params: Params) -> PollDraft | None:
    if not params.has("poll"):
        return None
    poll = params.nested("poll")
    options = poll.list("options")
    expires_in = poll.int("expires_in")
    if not options and expires_in is None:
        return None
    if expires_in is None:
        raise ValidationError("Missing required parameter: poll[expires_in]", field="poll[expires_in]")
    return PollDraft(options=options, expires_in=timedelta(seconds=expires_in),
                     multiple=bool(poll.bool("multiple")), hide_totals=bool(poll.bool("hide_totals")))


def read_draft(params: Params, *, default_visibility: str, default_sensitive: bool,
               default_language: str | None, default_quote_policy: str | None = None) -> Draft:
    """`default_quote_policy`: the member's choice for a new post (an edit passes none and
    keeps the post's own unless the request names one)."""
    visibility = params.str("visibility", strip=True) or default_visibility
    if visibility not in VISIBILITIES:
        raise ValidationError(f"visibility must be one of {', '.join(VISIBILITIES)}.",
                              field="visibility")
    in_reply_to_id = _status_id(params, "in_reply_to_id",
                                "Validation failed: the post you reply to does not exist")
    quoted_status_id = _status_id(params, "quoted_status_id",
                                  "Validation failed: the post you quote does not exist")
    sensitive = params.bool("sensitive")
    policy = params.str("quote_approval_policy", strip=True) or default_quote_policy
    return Draft(text=params.str("status", max_length=_MAX_TEXT) or "", visibility=visibility,
                 spoiler_text=params.str("spoiler_text", max_length=_MAX_TEXT) or "",
                 sensitive=default_sensitive if sensitive is None else sensitive,
                 language=params.str("language", strip=True) or default_language,
                 in_reply_to_id=in_reply_to_id, media_ids=_ids(params, "media_ids"),
                 poll=_poll(params), quoted_status_id=quoted_status_id,
                 quote_policy=quote_policy.chosen(policy) if policy else None)


def _status_id(params: Params, name: str, missing: str) -> int | None:
    raw = params.str(name, strip=True)
    if not raw:
        return None
    found = parse_id(raw)
    if found is None:
        raise ValidationError(missing, field=name)
    return found


def read_scheduled_at(params: Params) -> datetime | None:
    raw = params.str("scheduled_at", strip=True)
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("scheduled_at must be an ISO 8601 date and time",
                              field="scheduled_at") from None
    if when.tzinfo is None:
        raise ValidationError("scheduled_at must include a time zone", field="scheduled_at")
    return when
