"""The part of a Status entity that every viewer sees alike, built once per version of a
status and kept in process as JSON.

A page of statuses is read again and again (home timelines above all), and most of its
statuses have not changed since the last read. What does not depend on the viewer or on
fast-moving counters — ids and timestamps as text, the text itself, media, mentions, tags —
is encoded once, in pieces that sit between the values a request fills in: the counters,
the viewer's flags, the account, the boosted status. A page encoded at once is those pieces
joined (`SharedPart.json`); callers that want a dict get a new one (`compose`).

JSON bytes are several times smaller than the same entity as a dict of Python objects, and
joining them is cheaper than encoding the dict again for each reader.

There is one entry per status (and site). It keeps the Status it was last found for and,
when the status has any, its media, mention and tag rows as loaded; a hit is the same Status
object (statusviews hands out one per version of a row) or one whose shown columns are
equal, with equal rows. So an edit, a media change or a renamed mentioned account replaces
the entry: nothing is stale, in this process or any other, and old versions do not pile up.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from server.api.entities.cache import BYTES_HEADER, BoundedCache, exact
from server.api.entities.common import iso
from server.api.entities.quote_approval import quote_approvals
from server.api.entities.status_parts import (
    to_mastodon_media,
    to_mastodon_mention,
    to_mastodon_status_tag,
)
from server.config import Config
from server.jsonio import dumpb, loads
from server.statuses.queries import Status

# Media, mentions and tag names as the page query loads them; None when a status has none.
Embeds = tuple[list[dict[str, Any]] | None, list[dict[str, Any]] | None, list[str] | None]


class Kept(list):  # type: ignore[type-arg]
    """A status's attachments, mentions or hashtags as the home timeline keeps them with the
    version of the status's row (statusviews.list_home_page): the same object for as long as
    the row is unchanged, and never changed itself. A part made from such lists knows them
    again by identity, without serialising them to compare (see shared_part)."""

    __slots__ = ()

# Every Status column the shared part shows. Not the counters, which change all the time
# and are filled in per request.
_KEY = attrgetter("id", "created_at", "in_reply_to_id", "in_reply_to_account_id", "sensitive",
                  "spoiler_text", "visibility", "language", "uri", "url", "edited_at", "content",
                  "quote_policy")

# What a part keeps alive (cache.py): its JSON pieces, its own objects with its key and
# slot in the cache (PART_BYTES), the versions of its embeds, and the Status it keeps: that
# row's objects (STATUS_BYTES) and text, which the page rows cache (statusviews) usually
# holds too but not always (a part outlives the row there by hours in a quiet process).
# Measured with tracemalloc: 0.9 KiB of part and 1 KiB of Status for the benchmarks'
# 60-character statuses, 1.3 + 1.8 KiB at 500 characters.
PART_BYTES = 420
STATUS_BYTES = 740
_STATUS_TEXT = attrgetter("uri", "url", "in_reply_to_uri", "content", "text_source",
                          "spoiler_text", "visibility", "language")
# Sized for W6's working set (every first and second home page of dataset S's 200 users:
# ~420 statuses, ~2 KiB each) with room for the newest of the other pages; a part beyond it
# is built again when read again. W7, whose account pages alone show 20 statuses of each of
# 200 users, found four in five of its statuses at 1.25 MiB (99 % at 4 MiB weighed by the
# JSON alone, about 7.7 MiB held).
PARTS_MAX = 2048
PARTS_MAX_BYTES = 2 << 20

_FLAG_NAMES = ("favourited", "reblogged", "muted", "bookmarked")
# The viewer's four flags as JSON, by the identity of the flags dict (statusviews hands out
# one per combination of values); the dict is kept with its JSON, so its id stays its own.
_FLAGS_JSON: dict[int, tuple[dict[str, Any], bytes]] = {}
_NO_FLAGS: dict[str, Any] = {}
_FILTERED = b',"filtered":[]'


def _flags_json(flags: dict[str, Any] | None) -> bytes:
    given = _NO_FLAGS if flags is None else flags
    found = _FLAGS_JSON.get(id(given))
    if found is not None and found[0] is given:
        return found[1]
    encoded = b"".join(b',"%s":%s' % (name.encode(), dumpb(given.get(name, False)))
                       for name in _FLAG_NAMES)
    if len(_FLAGS_JSON) >= 256:   # flags dicts made elsewhere, one per row: start again
        _FLAGS_JSON.clear()
    _FLAGS_JSON[id(given)] = (given, encoded)
    return encoded


def _leading(status: Status) -> dict[str, Any]:
    """The entity's first fields, in Mastodon's order: the same for every reader."""
    return {
        "id": str(status.id),
        "created_at": iso(status.created_at),
        "in_reply_to_id": _str(status.in_reply_to_id),
        "in_reply_to_account_id": _str(status.in_reply_to_account_id),
        "sensitive": status.sensitive,
        "spoiler_text": status.spoiler_text,
        "visibility": status.visibility,
        "language": status.language,
        "uri": status.uri,
        "url": status.url,
    }


class SharedPart:
    """What a status shows to everyone, as JSON pieces in the entity's key order
    (REST::StatusSerializer's): `head` up to `"replies_count":`, `edited` (edited_at),
    `content`, `tail` from media_attachments to poll, and `approvals`, the quote_approval
    that closes it for each kind of reader."""

    __slots__ = ("approvals", "content", "counts", "edited", "embeds", "head", "size", "source",
                 "status", "tail")

    def __init__(self, status: Status, embeds: Embeds | None, config: Config,
                 embeds_version: tuple[Any, ...] | None) -> None:
        media, mentions, tags = embeds or (None, None, None)
        self.status = status
        # The counters of `status` as JSON (kept with the status they were read from: a new
        # version of the row brings its own, see shared_part).
        self.counts = _counts(status)
        self.embeds = embeds_version
        # The lists given, when every one of them is a Kept list (or absent): the same objects
        # come again while the status is unchanged. Lists read anew for each request are
        # not held (they would only keep their memory alive).
        self.source = embeds if embeds is not None and all(
            e is None or type(e) is Kept for e in embeds) else None
        head = dumpb({**_leading(status), "replies_count": 0})
        self.head = head[:-2]   # without the placeholder count and the closing brace
        self.edited = b',"edited_at":' + dumpb(iso(status.edited_at))
        self.content = b',"content":' + dumpb(status.content)
        self.tail = b"," + dumpb({
            "media_attachments": [to_mastodon_media(m, config) for m in media] if media else [],
            "mentions": [to_mastodon_mention(m, config) for m in mentions] if mentions else [],
            "tags": [to_mastodon_status_tag(name, config) for name in tags] if tags else [],
            "emojis": [],
            "quote": None,
            "card": None,
            "poll": None,
        })[1:-1]
        # `quote_approval` closes the entity; what it says of the reader depends on who reads
        # (quote_approvals): anonymous, the author, anyone else signed in. Shared by all the
        # parts of one kind of post, so not weighed here.
        self.approvals = quote_approvals(status)
        # Weighed once: a new version of the row taken in later (counters only) shows the
        # same text, so the entry weighs the same when it leaves the cache.
        self.size = (PART_BYTES + STATUS_BYTES + len(self.counts)
                     + len(self.head) + len(self.edited) + len(self.content) + len(self.tail)
                     + sum(len(text) for text in _STATUS_TEXT(status) if text is not None)
                     + _embeds_bytes(embeds_version))

    def weight(self) -> int:
        return self.size

    def json(self, status: Status, *, viewer: bool, flags: dict[str, Any] | None,
             reblog: bytes | None, account: bytes) -> bytes:
        """The whole entity as a reader without a relation of their own to the status sees
        it (neither its author nor anyone with a `pinned` to show); no card, no poll."""
        return b"".join((
            self.head, self.counts if status is self.status else _counts(status), self.edited,
            _flags_json(flags) if viewer else b"",
            self.content,
            _FILTERED if viewer else b"",
            b',"reblog":', b"null" if reblog is None else reblog,
            b',"account":', account,
            self.tail, self.approvals[2 if viewer else 0]))

    def compose(self, status: Status, *, viewer: bool, flags: dict[str, bool] | None = None,
                pinned: bool | None = None, application: Any = None,
                with_application: bool = False, author: bool = False) -> dict[str, Any]:
        """The whole entity as a new dict in Mastodon's key order, with neutral values where
        the caller fills in: account, reblog, poll, card, quote. `author`: the reader wrote
        it."""
        entity: dict[str, Any] = {
            **_leading(status),
            "replies_count": status.replies_count,
            "reblogs_count": status.reblogs_count,
            "favourites_count": status.favourites_count,
            "quotes_count": status.quotes_count,
            "edited_at": iso(status.edited_at),
        }
        if viewer:
            given = flags or {}
            for name in _FLAG_NAMES:
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
        # media_attachments, mentions, tags, emojis, quote, card, poll, quote_approval: new
        # objects each time.
        approval = self.approvals[(1 if author else 2) if viewer else 0]
        entity.update(loads(b"{" + self.tail[1:] + approval))
        return entity


_PARTS: BoundedCache[tuple[str, int], SharedPart] = BoundedCache(
    PARTS_MAX, "status_parts", max_bytes=PARTS_MAX_BYTES, weigh=SharedPart.weight)


def shared_part(status: Status, embeds: Embeds | None, config: Config) -> SharedPart:
    key = (config.base_url, status.id)
    part = _PARTS.get(key)
    if part is not None and _same_source(embeds, part):
        embeds_version = part.embeds
    else:
        # The rows as loaded, serialised: a media description, focus point, processed file
        # or a mentioned account's new name makes a new version.
        embeds_version = None if embeds is None else (
            dumpb(embeds[0]) if embeds[0] else None, dumpb(embeds[1]) if embeds[1] else None,
            tuple(embeds[2]) if embeds[2] else None)
    if part is not None and part.embeds == embeds_version:
        if part.status is status:
            return part
        if _KEY(part.status) == _KEY(status):   # a new version of the row, counters only
            part.status = status   # the one statusviews keeps now: let the old one go
            part.counts = _counts(status)
            return part
    if embeds_version is not None:   # kept: each in an allocation of its length
        media_v, mentions_v, tags_v = embeds_version
        embeds_version = (media_v and exact(media_v), mentions_v and exact(mentions_v), tags_v)
    return _PARTS.put(key, SharedPart(status, embeds, config, embeds_version))


def _same_source(embeds: Embeds | None, part: SharedPart) -> bool:
    """Whether these are the very Kept lists the part was made from."""
    source = part.source
    return (source is not None and embeds is not None and embeds[0] is source[0]
            and embeds[1] is source[1] and embeds[2] is source[2])


def entity_json(status: Status, embeds: Embeds | None, config: Config, *, viewer: bool,
                flags: dict[str, Any] | None, reblog: bytes | None, account: bytes) -> bytes:
    """SharedPart.json of the status's part, for every status of every page encoded at once:
    the usual case (the part kept for this very row, no embeds) is found without the work
    shared_part does to compare versions."""
    part = _PARTS.get((config.base_url, status.id))
    if part is None or part.status is not status or (
            (embeds is not None or part.embeds is not None) and not _same_source(embeds, part)):
        part = shared_part(status, embeds, config)
    return part.json(status, viewer=viewer, flags=flags, reblog=reblog, account=account)


def _embeds_bytes(version: tuple[Any, ...] | None) -> int:
    if version is None:
        return 0
    media_v, mentions_v, tags_v = version
    return (56 + sum(len(v) + BYTES_HEADER for v in (media_v, mentions_v) if v is not None)
            + (sum(len(name) + 60 for name in tags_v) if tags_v else 0))


def _counts(status: Status) -> bytes:
    """From replies_count to quotes_count, without the first key (it ends `head`)."""
    return (f'{status.replies_count},"reblogs_count":{status.reblogs_count},'
            f'"favourites_count":{status.favourites_count},'
            f'"quotes_count":{status.quotes_count}').encode()


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)
