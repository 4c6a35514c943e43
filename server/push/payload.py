"""What a push message says: the JSON Mastodon's apps decrypt and show (pure, no I/O).

The apps read `notification_id` and `notification_type` and use `access_token` to fetch
the rest from the API; `title`, `body` and `icon` are shown as they are by those that do not.
"""

from __future__ import annotations

from typing import Any

from server.config import Config
from server.media.defaults import MISSING_AVATAR_PATH
from server.media.storage import public_url
from server.push.queries import PushMessage
from server.statuses.text import plain_text

BODY_LENGTH = 140
# A remote avatar URL is the one part of the message a stranger can make long; past this the
# default picture keeps the message well inside one encrypted record.
ICON_URL_MAX = 1024
ELLIPSIS = "…"

# English only for now; `{name}` is the sender's display name (or username).
TITLES: dict[str, str] = {
    "mention": "{name} mentioned you",
    "status": "{name} posted",
    "reblog": "{name} boosted your post",
    "follow": "{name} followed you",
    "follow_request": "{name} asked to follow you",
    "favourite": "{name} favourited your post",
    "poll": "A poll by {name} has closed",
    "update": "{name} edited a post",
    "quote": "{name} quoted your post",
    "quoted_update": "{name} edited a post you quoted",
    "admin.sign_up": "{name} signed up",
    "admin.report": "{name} filed a report",
}


def _icon(config: Config, message: PushMessage) -> str:
    if message.suspended_at is None:
        if message.avatar_path:
            return public_url(config, message.avatar_path)
        if message.avatar_url and len(message.avatar_url) <= ICON_URL_MAX:
            return message.avatar_url
    return config.url(MISSING_AVATAR_PATH)


def _truncate(text: str) -> str:
    # The limit counts the ellipsis, as Mastodon's truncation does.
    if len(text) <= BODY_LENGTH:
        return text
    return text[: BODY_LENGTH - len(ELLIPSIS)].rstrip() + ELLIPSIS


def body_text(message: PushMessage) -> str:
    """The content warning if there is one, else the post, else the sender's bio: as text."""
    source = message.spoiler_text or message.content or message.note or ""
    return _truncate(" ".join(plain_text(source).split()))


def build(config: Config, message: PushMessage, *, access_token: str | None) -> dict[str, Any]:
    name = message.display_name.strip() or message.username
    title = TITLES.get(message.type, "{name}").format(name=name)
    return {
        "access_token": access_token,
        "preferred_locale": message.locale or "en",
        "notification_id": message.notification_id,  # a number, as Mastodon sends it
        "notification_type": message.type,
        "icon": _icon(config, message),
        "title": title,
        "body": body_text(message),
    }
