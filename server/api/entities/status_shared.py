"""The part of a Status entity that every viewer sees alike, built once per version of a
status and kept in process.

A page of statuses is read again and again (home timelines above all), and most of its
statuses have not changed since the last read. What does not depend on the viewer or on
fast-moving counters — ids and timestamps as text, the text itself, media, mentions, tags —
is built once into a template entity, with every key in its final order; a request copies
the template and fills in the counters, the viewer's flags, the account, the boosted
status, the poll and the card.

The cache key is every value the template is built from (the status columns it shows, the
media, mention and tag rows as loaded, the public base URL), so an edit, a media change or
a renamed mentioned account is a new key: nothing is stale, in this process or any other.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from server.api.entities.cache import BoundedCache
from server.api.entities.common import iso
from server.api.entities.status_parts import (
    to_mastodon_media,
    to_mastodon_mention,
    to_mastodon_status_tag,
)
from server.config import Config
from server.jsonio import dumpb
from server.statuses.queries import Status

# Media, mentions and tag names as the page query loads them; None when a status has none.
Embeds = tuple[list[dict[str, Any]] | None, list[dict[str, Any]] | None, list[str] | None]

# Every Status column the shared part shows. Not the counters, which change all the time
# and are filled in per request.
_KEY = attrgetter("id", "created_at", "in_reply_to_id", "in_reply_to_account_id", "sensitive",
                  "spoiler_text", "visibility", "language", "uri", "url", "edited_at", "content")

PARTS_MAX = 4096   # 2-4 KiB each with their templates: about 10 MiB at most


class SharedPart:
    """What a status shows to everyone, as the entity shows it."""

    __slots__ = ("id", "created_at", "in_reply_to_id", "in_reply_to_account_id", "edited_at",
                 "media", "mentions", "tags", "_for_viewer", "_anonymous")

    def __init__(self, status: Status, embeds: Embeds | None, config: Config) -> None:
        media, mentions, tags = embeds or (None, None, None)
        self.id = str(status.id)
        self.created_at = iso(status.created_at)
        self.in_reply_to_id = _str(status.in_reply_to_id)
        self.in_reply_to_account_id = _str(status.in_reply_to_account_id)
        self.edited_at = iso(status.edited_at)
        self.media = [to_mastodon_media(m, config) for m in media] if media else []
        self.mentions = [to_mastodon_mention(m, config) for m in mentions] if mentions else []
        self.tags = [to_mastodon_status_tag(name, config) for name in tags] if tags else []
        self._for_viewer: dict[str, Any] | None = None
        self._anonymous: dict[str, Any] | None = None

    def template(self, status: Status, *, viewer: bool) -> dict[str, Any]:
        """The entity with neutral per-request values, every key in place. Not to be changed:
        callers copy it."""
        found = self._for_viewer if viewer else self._anonymous
        if found is None:
            found = self.compose(status, viewer=viewer)
            if viewer:
                self._for_viewer = found
            else:
                self._anonymous = found
        return found

    def compose(self, status: Status, *, viewer: bool, flags: dict[str, bool] | None = None,
                pinned: bool | None = None, application: Any = None,
                with_application: bool = False) -> dict[str, Any]:
        """The whole entity in Mastodon's key order (REST::StatusSerializer's), with neutral
        values where the caller fills in: account, reblog, poll, card, counters."""
        entity: dict[str, Any] = {
            "id": self.id,
            "created_at": self.created_at,
            "in_reply_to_id": self.in_reply_to_id,
            "in_reply_to_account_id": self.in_reply_to_account_id,
            "sensitive": status.sensitive,
            "spoiler_text": status.spoiler_text,
            "visibility": status.visibility,
            "language": status.language,
            "uri": status.uri,
            "url": status.url,
            "replies_count": status.replies_count,
            "reblogs_count": status.reblogs_count,
            "favourites_count": status.favourites_count,
            "edited_at": self.edited_at,
        }
        if viewer:
            given = flags or {}
            for name in ("favourited", "reblogged", "muted", "bookmarked"):
                entity[name] = given.get(name, False)
            if pinned is not None:
                entity["pinned"] = pinned
        entity["content"] = status.content
        if viewer:
            entity["filtered"] = []
        entity["reblog"] = None
        if with_application:
            entity["application"] = application
        entity["account"] = None
        entity["media_attachments"] = self.media
        entity["mentions"] = self.mentions
        entity["tags"] = self.tags
        entity["emojis"] = []
        entity["card"] = None
        entity["poll"] = None
        return entity


_PARTS: BoundedCache[tuple[Any, ...], SharedPart] = BoundedCache(PARTS_MAX, "status_parts")


def shared_part(status: Status, embeds: Embeds | None, config: Config) -> SharedPart:
    if embeds is None:
        key: tuple[Any, ...] = (config.base_url, _KEY(status))
    else:
        media, mentions, tags = embeds
        # The rows as loaded, serialised: a media description, focus point, processed file
        # or a mentioned account's new name makes a new key.
        key = (config.base_url, _KEY(status), dumpb(media) if media else None,
               dumpb(mentions) if mentions else None, tuple(tags) if tags else None)
    part = _PARTS.get(key)
    if part is None:
        part = _PARTS.put(key, SharedPart(status, embeds, config))
    return part


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)
