"""ActivityPub JSON to the shared vocabulary.

Lenient where servers differ harmlessly (a value or a one-element list, an id or an embedded
object, `as:Public` for the public collection), strict where it matters: every id must be an
acceptable URI, an activity may only speak for its own actor, and anything we cannot make
sense of is a `MalformedActivityError` whose message says what was wrong. A type we do not
know at all is an `UnsupportedActivityError`, which the inbox records as ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from server.config import Config
from server.errors import MalformedActivityError
from server.federation import uris
from server.federation import vocabulary as v

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
NOTE_TYPES = frozenset({"Note", "Question", "Article", "Page", "Image", "Video", "Audio", "Event"})
UNDOABLE = frozenset({"Follow", "Like", "Announce", "Block"})
MAX_TAGS = 100
MAX_ATTACHMENTS = 16
MAX_AUDIENCE = 1000

Doc = dict[str, Any]


class UnsupportedActivityError(Exception):
    """A well-formed activity of a type (or about an object type) we do not handle."""


def parse_activity(doc: Doc, config: Config) -> v.Activity:
    kind = doc.get("type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise UnsupportedActivityError(f"activity type {kind!r} is not supported")
    return parser(doc, config)


# --- small readers --------------------------------------------------------------------------

def _bad(message: str) -> MalformedActivityError:
    return MalformedActivityError(message)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def uri_of(value: Any) -> str | None:
    """An id given as a string or as an embedded object's `id`."""
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _required_uri(value: Any, config: Config, what: str) -> str:
    uri = uri_of(value)
    if uri is None or not uris.acceptable_id(uri, config):
        raise _bad(f"{what} must be an acceptable http(s) URI")
    return uri


def _type_of(value: Any) -> str | None:
    value = _first(value)
    kind = value.get("type") if isinstance(value, dict) else None
    kind = _first(kind)
    return kind if isinstance(kind, str) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _audience(value: Any) -> tuple[str, ...]:
    found: list[str] = []
    for item in _list(value)[:MAX_AUDIENCE]:
        uri = uri_of(item)
        if uri is None:
            continue
        found.append(uris.PUBLIC if uri in uris.PUBLIC_FORMS else uri)
    return tuple(dict.fromkeys(found))


def _url(value: Any) -> str | None:
    """`url` is a string, a Link (href) or a list of either; the first http(s) one wins."""
    for item in _list(value):
        href = item.get("href") if isinstance(item, dict) else item
        if isinstance(href, str) and uris.host_of(href):
            return href
    return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _base(doc: Doc, config: Config) -> tuple[str, str]:
    activity_id = _required_uri(doc.get("id"), config, "the activity id")
    actor = _required_uri(doc.get("actor"), config, "actor")
    return activity_id, actor


# --- activities ------------------------------------------------------------------------------

def _follow(doc: Doc, config: Config) -> v.Follow:
    activity_id, actor = _base(doc, config)
    return v.Follow(activity_id, actor, _required_uri(doc.get("object"), config, "Follow object"))


def _embedded_follow(obj: Any, config: Config) -> v.Follow | None:
    if not isinstance(obj, dict) or _type_of(obj) != "Follow":
        return None
    try:
        return _follow(obj, config)
    except MalformedActivityError:
        return None  # the reference alone is still usable


def _accept(doc: Doc, config: Config) -> v.Accept:
    activity_id, actor = _base(doc, config)
    obj = doc.get("object")
    ref = v.ObjectRef(_required_uri(obj, config, "Accept object"), _type_of(obj))
    return v.Accept(activity_id, actor, ref, _embedded_follow(_first(obj), config),
                    _optional_uri(doc.get("result"), config))


def _reject(doc: Doc, config: Config) -> v.Reject:
    activity_id, actor = _base(doc, config)
    obj = doc.get("object")
    ref = v.ObjectRef(_required_uri(obj, config, "Reject object"), _type_of(obj))
    return v.Reject(activity_id, actor, ref, _embedded_follow(_first(obj), config))


def _undo(doc: Doc, config: Config) -> v.Undo:
    activity_id, actor = _base(doc, config)
    obj = _first(doc.get("object"))
    ref = v.ObjectRef(_required_uri(obj, config, "Undo object"), _type_of(obj))
    inner = None
    if isinstance(obj, dict) and ref.type in UNDOABLE:
        inner = _PARSERS[ref.type](obj, config)
        if inner.actor_uri != actor:
            raise _bad("an actor can only undo its own activities")
    elif ref.type is not None and ref.type not in UNDOABLE:
        raise UnsupportedActivityError(f"Undo of {ref.type!r} is not supported")
    return v.Undo(activity_id, actor, ref, inner)


def _create(doc: Doc, config: Config) -> v.Create:
    activity_id, actor = _base(doc, config)
    obj = _first(doc.get("object"))
    if isinstance(obj, str):
        # Named by id only: the handler fetches it from its origin.
        return v.Create(activity_id, actor, None, _required_uri(obj, config, "Create object"))
    if not isinstance(obj, dict):
        raise _bad("Create must embed the object it creates or name it by id")
    kind = _type_of(obj)
    if kind not in NOTE_TYPES:
        raise UnsupportedActivityError(f"Create of {kind!r} is not supported")
    note = parse_note(obj, config, actor=actor)
    return v.Create(activity_id, actor, note, note.uri)


def _update(doc: Doc, config: Config) -> v.Activity:
    activity_id, actor = _base(doc, config)
    obj = _first(doc.get("object"))
    kind = _type_of(obj)
    object_uri = _required_uri(obj, config, "Update object")
    if kind in NOTE_TYPES:
        return v.NoteUpdate(activity_id, actor, parse_note(obj, config, actor=actor))
    if kind in ACTOR_TYPES or (kind is None and object_uri == actor):
        if object_uri != actor:
            raise _bad("an actor can only update its own profile")
        return v.ActorUpdate(activity_id, actor, obj if isinstance(obj, dict) else {})
    raise UnsupportedActivityError(f"Update of {kind!r} is not supported")


def _announce(doc: Doc, config: Config) -> v.Announce:
    activity_id, actor = _base(doc, config)
    return v.Announce(activity_id, actor, _required_uri(doc.get("object"), config,
                                                        "Announce object"),
                      _datetime(doc.get("published")), _audience(doc.get("to")),
                      _audience(doc.get("cc")))


def _like(doc: Doc, config: Config) -> v.Like:
    activity_id, actor = _base(doc, config)
    return v.Like(activity_id, actor, _required_uri(doc.get("object"), config, "Like object"))


def _delete(doc: Doc, config: Config) -> v.Delete:
    activity_id, actor = _base(doc, config)
    obj = _first(doc.get("object"))
    return v.Delete(activity_id, actor, _required_uri(obj, config, "Delete object"),
                    _type_of(obj))


def _block(doc: Doc, config: Config) -> v.Block:
    activity_id, actor = _base(doc, config)
    return v.Block(activity_id, actor, _required_uri(doc.get("object"), config, "Block object"))


def _flag(doc: Doc, config: Config) -> v.Flag:
    activity_id, actor = _base(doc, config)
    objects = [uri_of(item) for item in _list(doc.get("object"))[:MAX_TAGS]]
    kept = tuple(u for u in objects if u is not None and uris.acceptable_id(u, config))
    if not kept:
        raise _bad("Flag must name at least one account or post")
    return v.Flag(activity_id, actor, kept, (_text(doc.get("content")) or "")[:5000])


def _move(doc: Doc, config: Config) -> v.Move:
    activity_id, actor = _base(doc, config)
    origin = _required_uri(doc.get("object"), config, "Move object")
    if origin != actor:
        raise _bad("an actor can only move itself")
    return v.Move(activity_id, actor, origin, _required_uri(doc.get("target"), config,
                                                            "Move target"))


def _quote_request(doc: Doc, config: Config) -> v.QuoteRequest:
    activity_id, actor = _base(doc, config)
    quoted = _required_uri(doc.get("object"), config, "QuoteRequest object")
    instrument = _first(doc.get("instrument"))
    instrument_uri = _required_uri(instrument, config, "QuoteRequest instrument")
    note = None
    if isinstance(instrument, dict) and _type_of(instrument) in NOTE_TYPES:
        note = parse_note(instrument, config, actor=actor)
    return v.QuoteRequest(activity_id, actor, quoted, instrument_uri, note)


_PARSERS: dict[str, Callable[[Doc, Config], v.Activity]] = {
    "Follow": _follow, "Accept": _accept, "Reject": _reject, "Undo": _undo,
    "Create": _create, "Update": _update, "Announce": _announce, "Like": _like,
    "Delete": _delete, "Block": _block, "Flag": _flag, "Move": _move,
    "QuoteRequest": _quote_request,
}


# --- posts -----------------------------------------------------------------------------------

def parse_note(obj: Doc, config: Config, *, actor: str | None = None) -> v.Note:
    """A Note (or Question, Article, ...). With `actor` (an id already found acceptable, as
    every activity's actor is), the post must be attributed to it."""
    uri = _required_uri(obj.get("id"), config, "the object id")
    author = uri_of(obj.get("attributedTo"))
    if author is None or author != actor:  # the actor's id was checked already
        author = _required_uri(author, config, "attributedTo")
    if actor is not None and author != actor:
        raise _bad("the object is attributed to someone other than the activity's actor")
    kind = _type_of(obj) or "Note"
    content = _text(obj.get("content"))
    language = None
    content_map = obj.get("contentMap")
    if isinstance(content_map, dict) and content_map:
        language, mapped = next(iter(content_map.items()))
        language = language if isinstance(language, str) and len(language) <= 16 else None
        if content is None and isinstance(mapped, str):
            content = mapped
    mentions, hashtags, emojis = _tags(obj.get("tag"))
    return v.Note(
        uri=uri, author_uri=author, kind=kind, content=content or "",
        summary=_text(obj.get("summary")) or "", sensitive=obj.get("sensitive") is True,
        published=_datetime(obj.get("published")), updated=_datetime(obj.get("updated")),
        url=_url(obj.get("url")), in_reply_to=uri_of(obj.get("inReplyTo")),
        to=_audience(obj.get("to")), cc=_audience(obj.get("cc")), language=language,
        name=_text(obj.get("name")), mentions=mentions, hashtags=hashtags, emojis=emojis,
        attachments=_attachments(obj.get("attachment")),
        poll=_poll(obj) if kind == "Question" else None,
        quote_uri=_quote_uri(obj, config),
        quote_authorization=_optional_uri(obj.get("quoteAuthorization"), config),
        can_quote=_can_quote(obj.get("interactionPolicy")))


def _can_quote(policy: Any) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """GoToSocial's and Mastodon 4.5's `interactionPolicy.canQuote`."""
    can_quote = policy.get("canQuote") if isinstance(policy, dict) else None
    if not isinstance(can_quote, dict):
        return None
    return (_audience(can_quote.get("automaticApproval")),
            _audience(can_quote.get("manualApproval")))


# Where servers put the quoted post: FEP-044f's `quote` first (Mastodon 4.5, GoToSocial),
# then the older names Fedibird, Akkoma/Pleroma and Misskey use.
_QUOTE_KEYS = ("quote", "quoteUri", "quoteUrl", "_misskey_quote")


def _quote_uri(obj: Doc, config: Config) -> str | None:
    for key in _QUOTE_KEYS:
        uri = _optional_uri(obj.get(key), config)
        if uri is not None:
            return uri
    return None


def _optional_uri(value: Any, config: Config) -> str | None:
    uri = uri_of(value)
    return uri if uri is not None and uris.acceptable_id(uri, config) else None


def _tags(value: Any) -> tuple[tuple[v.Mention, ...], tuple[str, ...], tuple[v.Emoji, ...]]:
    mentions: list[v.Mention] = []
    hashtags: list[str] = []
    emojis: list[v.Emoji] = []
    for tag in _list(value)[:MAX_TAGS]:
        if not isinstance(tag, dict):
            continue
        kind, name = _type_of(tag), _text(tag.get("name")) or ""
        href = _text(tag.get("href"))
        if kind == "Mention" and href and uris.host_of(href):
            mentions.append(v.Mention(href, name))
        elif kind == "Hashtag" and name.lstrip("#"):
            hashtags.append(name.lstrip("#"))
        elif kind == "Emoji" and name.strip(":"):
            icon = _first(tag.get("icon"))
            icon_url = _url(icon.get("url")) if isinstance(icon, dict) else None
            if icon_url:
                emojis.append(v.Emoji(name.strip(":"), icon_url))
    return tuple(mentions), tuple(dict.fromkeys(hashtags)), tuple(emojis)


def _attachments(value: Any) -> tuple[v.Attachment, ...]:
    found: list[v.Attachment] = []
    for item in _list(value)[:MAX_ATTACHMENTS]:
        if not isinstance(item, dict):
            continue
        url = _url(item.get("url"))
        if url is None:
            continue
        focal = item.get("focalPoint")
        point = None
        if (isinstance(focal, list) and len(focal) == 2
                and all(isinstance(x, int | float) and not isinstance(x, bool) for x in focal)):
            point = (float(focal[0]), float(focal[1]))
        found.append(v.Attachment(
            url=url, media_type=_text(item.get("mediaType")), kind=_type_of(item) or "Document",
            description=_text(item.get("name")), blurhash=_text(item.get("blurhash")),
            width=_int(item.get("width")), height=_int(item.get("height")), focal_point=point))
    return tuple(found)


def _poll(obj: Doc) -> v.Poll | None:
    multiple = isinstance(obj.get("anyOf"), list)
    options = []
    for item in _list(obj.get("anyOf") if multiple else obj.get("oneOf")):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            replies = item.get("replies")
            votes = _int(replies.get("totalItems")) if isinstance(replies, dict) else None
            options.append(v.PollOption(item["name"], votes or 0))
    if not options:
        return None
    closed = obj.get("closed")
    return v.Poll(tuple(options), multiple, _datetime(obj.get("endTime")),
                  _datetime(closed) if isinstance(closed, str) else None,
                  _int(obj.get("votersCount")))
