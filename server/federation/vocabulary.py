"""The shared vocabulary: what other servers tell us, whatever protocol carried it.

ActivityPub's parser (`activitypub/parse.py`) and, later, Diaspora's receivers produce
these values; handlers, timelines and moderation see only them. They are small, frozen and
already checked: every URI here is an acceptable id, every text is plain Python text (HTML
is sanitised where it is stored, not here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Mention:
    href: str
    name: str


@dataclass(frozen=True)
class Emoji:
    shortcode: str
    url: str


@dataclass(frozen=True)
class Attachment:
    url: str
    media_type: str | None = None
    kind: str = "Document"
    description: str | None = None
    blurhash: str | None = None
    width: int | None = None
    height: int | None = None
    focal_point: tuple[float, float] | None = None


@dataclass(frozen=True)
class PollOption:
    name: str
    votes: int


@dataclass(frozen=True)
class Poll:
    options: tuple[PollOption, ...]
    multiple: bool
    ends_at: datetime | None
    closed_at: datetime | None
    voters_count: int | None


@dataclass(frozen=True)
class Note:
    """A post: Note, Question, or an Article/Page/... shown as best we can."""

    uri: str
    author_uri: str
    kind: str
    content: str
    summary: str
    sensitive: bool
    published: datetime | None
    updated: datetime | None
    url: str | None
    in_reply_to: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    language: str | None
    name: str | None = None
    mentions: tuple[Mention, ...] = ()
    hashtags: tuple[str, ...] = ()
    emojis: tuple[Emoji, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    poll: Poll | None = None
    # The post it quotes (FEP-044f `quote`, or the older quoteUri / quoteUrl /
    # _misskey_quote), and the id of the quoted author's authorisation stamp, if any.
    quote_uri: str | None = None
    quote_authorization: str | None = None
    # Who may quote it (`interactionPolicy.canQuote`: automaticApproval, manualApproval), as
    # its server says; None when it says nothing.
    can_quote: tuple[tuple[str, ...], tuple[str, ...]] | None = None


@dataclass(frozen=True)
class ObjectRef:
    """An object named by id, with its type when the sender embedded or stated it."""

    uri: str
    type: str | None = None


@dataclass(frozen=True)
class Activity:
    id: str
    actor_uri: str


@dataclass(frozen=True)
class Follow(Activity):
    object_uri: str


@dataclass(frozen=True)
class Accept(Activity):
    """Accept of something we sent (a Follow, a QuoteRequest); `follow` when the sender
    embedded a Follow; `result` what the acceptance produced (a quote's stamp)."""

    object: ObjectRef
    follow: Follow | None = None
    result: str | None = None


@dataclass(frozen=True)
class Reject(Activity):
    object: ObjectRef
    follow: Follow | None = None


@dataclass(frozen=True)
class Undo(Activity):
    """Undo of a Follow, Like, Announce or Block; `inner` when the sender embedded it."""

    object: ObjectRef
    inner: Activity | None = None


@dataclass(frozen=True)
class Create(Activity):
    """`note` is None when the sender named the object by id only (it is fetched)."""

    note: Note | None
    object_uri: str = ""


@dataclass(frozen=True)
class NoteUpdate(Activity):
    note: Note


@dataclass(frozen=True)
class ActorUpdate(Activity):
    """A profile update; `document` is the embedded actor, checked to be the actor itself."""

    document: dict[str, Any] = field(hash=False, compare=False)


@dataclass(frozen=True)
class Announce(Activity):
    object_uri: str
    published: datetime | None
    to: tuple[str, ...]
    cc: tuple[str, ...]


@dataclass(frozen=True)
class Like(Activity):
    object_uri: str


@dataclass(frozen=True)
class Delete(Activity):
    """Delete of a post (object_type Tombstone/Note/None) or of the actor itself."""

    object_uri: str
    object_type: str | None

    @property
    def deletes_actor(self) -> bool:
        return self.object_uri == self.actor_uri


@dataclass(frozen=True)
class Block(Activity):
    object_uri: str


@dataclass(frozen=True)
class QuoteRequest(Activity):
    """Someone asks to quote one of our posts (`object`) in their post (`instrument`, by id or
    embedded; `instrument_note` when embedded and parsed)."""

    object_uri: str
    instrument_uri: str
    instrument_note: Note | None = None


@dataclass(frozen=True)
class Flag(Activity):
    """A report: the accounts and posts it names, and the reporter's comment."""

    object_uris: tuple[str, ...]
    content: str


@dataclass(frozen=True)
class Move(Activity):
    object_uri: str
    target_uri: str
