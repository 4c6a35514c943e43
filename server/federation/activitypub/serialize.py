"""Our objects as ActivityPub JSON, shaped as Mastodon 4.x shapes them (it is what every
other server is tested against).

Pure functions: rows and configuration in, dicts out. The routes that serve actors and
objects use them, and so does outbound delivery, so what we serve and what we send agree.
"""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from server.config import Config
from server.federation.activitypub import instance_actor
from server.federation.uris import PUBLIC
from server.quotes.queries import NoteQuote
from server.statuses import quote_policy
from server.statuses.queries import Status
from server.statuses.text import format_text
from server.statuses.urls import tag_url

AS = "https://www.w3.org/ns/activitystreams"
SECURITY = "https://w3id.org/security/v1"
TOOT = "http://joinmastodon.org/ns#"
AP_CONTENT_TYPE = "application/activity+json"
LD_CONTENT_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

# The extension terms Mastodon's peers expect to find defined, as Mastodon defines them.
ACTOR_CONTEXT: list[Any] = [AS, SECURITY, {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "toot": TOOT,
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
    "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
    "movedTo": {"@id": "as:movedTo", "@type": "@id"},
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "suspended": "toot:suspended",
    "Hashtag": "as:Hashtag",
    "Emoji": "toot:Emoji",
}]
NOTE_CONTEXT: list[Any] = [AS, {
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "toot": TOOT,
    "Emoji": "toot:Emoji",
    "blurhash": "toot:blurhash",
    "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
    "votersCount": "toot:votersCount",
    "quote": "https://w3id.org/fep/044f#quote",
    "quoteUri": "http://fedibird.com/ns#quoteUri",
    "_misskey_quote": "https://misskey-hub.net/ns#_misskey_quote",
    "quoteAuthorization": {"@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id"},
    "QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest",
    # Who may quote the post (FEP-044f, with GoToSocial's interaction policy terms, as
    # Mastodon 4.5 defines them).
    "gts": "https://gotosocial.org/ns#",
    "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
    "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
    "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
    "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"},
}]


def iso(stamp: datetime) -> str:
    return stamp.isoformat().replace("+00:00", "Z")


def with_context(doc: dict[str, Any], context: list[Any] | str = AS) -> dict[str, Any]:
    return {"@context": context, **doc}


# --- actors ----------------------------------------------------------------------------------

def _html(text: str, config: Config) -> str:
    """A local bio is typed as plain text; peers expect HTML."""
    if not text:
        return ""
    return format_text(text, mentions={}, tag_url=lambda name: tag_url(config, name))


def _field_value(text: str, config: Config) -> str:
    html = _html(text, config)
    inner = html.removeprefix("<p>").removesuffix("</p>")
    return inner if html != inner and "<p>" not in inner else html


def _image(url: str | None) -> dict[str, Any] | None:
    if not url:
        return None
    image: dict[str, Any] = {"type": "Image", "url": url}
    guessed = mimetypes.guess_type(url.split("?", 1)[0])[0]
    if guessed:
        image["mediaType"] = guessed
    return image


def to_ap_actor(account: Mapping[str, Any], *, config: Config) -> dict[str, Any]:
    """A local account's actor document (`account` as `queries.get_local_actor` returns it)."""
    uri = account["uri"]
    suspended = account.get("suspended_at") is not None
    doc: dict[str, Any] = {
        "id": uri,
        "type": "Service" if account.get("bot") else "Person",
        "following": f"{uri}/following",
        "followers": f"{uri}/followers",
        "inbox": f"{uri}/inbox",
        "outbox": f"{uri}/outbox",
        "featured": f"{uri}/collections/featured",
        "preferredUsername": account["username"],
        "name": "" if suspended else (account.get("display_name") or account["username"]),
        "summary": "" if suspended else _html(account.get("note") or "", config),
        "url": account.get("url") or config.url(f"/@{account['username']}"),
        "manuallyApprovesFollowers": bool(account.get("locked")) and not suspended,
        "discoverable": bool(account.get("discoverable")) and not suspended,
        "indexable": bool(account.get("indexable")) and not suspended,
        # Mastodon publishes the day only, not the minute the account was made.
        "published": iso(account["created_at"].replace(hour=0, minute=0, second=0,
                                                       microsecond=0)),
        "webfinger": f"{account['username']}@{config.domain}",
        "publicKey": {"id": account.get("public_key_id") or f"{uri}#main-key", "owner": uri,
                      "publicKeyPem": account.get("public_key_pem") or ""},
        "tag": [],
        "attachment": [] if suspended else [
            {"type": "PropertyValue", "name": f.get("name", ""),
             "value": _field_value(f.get("value", ""), config)}
            for f in account.get("fields") or []],
        "endpoints": {"sharedInbox": config.url("/inbox")},
    }
    for key, url in (("icon", account.get("avatar_url")), ("image", account.get("header_url"))):
        if not suspended and (image := _image(url)):
            doc[key] = image
    if account.get("also_known_as") and not suspended:
        doc["alsoKnownAs"] = list(account["also_known_as"])
    if account.get("moved_to_uri") and not suspended:
        doc["movedTo"] = account["moved_to_uri"]
    if suspended:
        doc["suspended"] = True
    return with_context(doc, ACTOR_CONTEXT)


def to_ap_instance_actor(*, public_key_pem: str, created_at: datetime,
                         config: Config) -> dict[str, Any]:
    uri = instance_actor.uri(config)
    return with_context({
        "id": uri,
        "type": "Application",
        "inbox": f"{uri}/inbox",
        "outbox": f"{uri}/outbox",
        "preferredUsername": instance_actor.username(config),
        "name": config.instance_name,
        "url": config.url("/about"),
        "manuallyApprovesFollowers": True,
        "published": iso(created_at.replace(hour=0, minute=0, second=0, microsecond=0)),
        "publicKey": {"id": instance_actor.key_id(config), "owner": uri,
                      "publicKeyPem": public_key_pem},
        "endpoints": {"sharedInbox": config.url("/inbox")},
    }, ACTOR_CONTEXT)


# --- collections -----------------------------------------------------------------------------

def to_ap_collection(collection_id: str, *, total: int, first: str | None = None,
                     items: Sequence[Any] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": collection_id, "type": "OrderedCollection", "totalItems": total}
    if first is not None:
        doc["first"] = first
    if items is not None:
        doc["orderedItems"] = list(items)
    return with_context(doc)


def to_ap_collection_page(page_id: str, *, part_of: str, items: Sequence[Any], total: int,
                          next_page: str | None = None, prev_page: str | None = None,
                          context: list[Any] | str = AS) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": page_id, "type": "OrderedCollectionPage", "totalItems": total}
    if next_page:
        doc["next"] = next_page
    if prev_page:
        doc["prev"] = prev_page
    doc["partOf"] = part_of
    doc["orderedItems"] = list(items)
    return with_context(doc, context)


# --- statuses --------------------------------------------------------------------------------

def audience(visibility: str, *, followers_url: str,
             mention_uris: Iterable[str]) -> tuple[list[str], list[str]]:
    """`to` and `cc` for a visibility, as Mastodon addresses them."""
    mentioned = list(dict.fromkeys(mention_uris))
    if visibility == "public":
        return [PUBLIC], [followers_url, *mentioned]
    if visibility == "unlisted":
        return [followers_url], [PUBLIC, *mentioned]
    if visibility == "private":
        return [followers_url], mentioned
    return mentioned, []


def media_url(config: Config, media: Mapping[str, Any]) -> str:
    """Remote media keep their URL; our own files are served under /media/."""
    if media.get("remote_url"):
        return str(media["remote_url"])
    return config.url(f"/media/{str(media.get('file_path') or '').lstrip('/')}")


def to_ap_attachment(media: Mapping[str, Any], *, config: Config) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "type": "Document",
        "mediaType": media.get("content_type") or "application/octet-stream",
        "url": media_url(config, media),
        "name": media.get("description") or None,
        "blurhash": media.get("blurhash") or None,
    }
    meta = media.get("meta") or {}
    if media.get("focus_x") or media.get("focus_y"):
        doc["focalPoint"] = [media.get("focus_x") or 0.0, media.get("focus_y") or 0.0]
    original = meta.get("original") if isinstance(meta, dict) else None
    for key in ("width", "height"):
        if isinstance(original, dict) and isinstance(original.get(key), int):
            doc[key] = original[key]
    return doc


def _mention_name(mention: Mapping[str, Any]) -> str:
    domain = mention.get("domain")
    return f"@{mention['username']}@{domain}" if domain else f"@{mention['username']}"


def to_ap_note(status: Status, *, author: Any, mentions: Sequence[Mapping[str, Any]],
               tags: Sequence[str], media: Sequence[Mapping[str, Any]], config: Config,
               in_reply_to: str | None = None, poll: Mapping[str, Any] | None = None,
               quote: NoteQuote | None = None, context: bool = True) -> dict[str, Any]:
    """A status as a Note (a Question when it has a poll). `author` is the Account (any
    object with `uri` and `followers_url`); `mentions` carry uri, username and domain;
    `media` are media_attachments rows in order; `poll` has options [{title, votes}],
    multiple, expires_at, closed and voters_count; `quote` what it quotes."""
    followers = author.followers_url or f"{author.uri}/followers"
    to, cc = audience(status.visibility, followers_url=followers,
                      mention_uris=[m["uri"] for m in mentions])
    doc: dict[str, Any] = {
        "id": status.uri,
        "type": "Question" if poll else "Note",
        "summary": status.spoiler_text or None,
        "inReplyTo": in_reply_to or status.in_reply_to_uri,
        "published": iso(status.created_at),
        "url": status.url or status.uri,
        "attributedTo": author.uri,
        "to": to,
        "cc": cc,
        "sensitive": status.sensitive,
        "content": status.content,
    }
    if status.language:
        doc["contentMap"] = {status.language: status.content}
    if status.edited_at:
        doc["updated"] = iso(status.edited_at)
    doc["attachment"] = [to_ap_attachment(m, config=config) for m in media]
    doc["tag"] = ([{"type": "Mention", "href": m["uri"], "name": _mention_name(m)}
                   for m in mentions]
                  + [{"type": "Hashtag", "href": tag_url(config, t), "name": f"#{t}"}
                     for t in tags])
    if status.local:
        replies = f"{status.uri}/replies"
        doc["replies"] = {"id": replies, "type": "Collection", "first": {
            "type": "CollectionPage", "next": f"{replies}?only_other_accounts=true&page=true",
            "partOf": replies, "items": []}}
        # Who may quote it without asking a person (quotes/requests.py grants exactly
        # these). Servers that take quotes (Mastodon 4.5, GoToSocial) read it to offer
        # quoting at all.
        doc["interactionPolicy"] = quote_policy.to_activity(
            status.quote_policy, author_uri=author.uri,
            followers_uri=author.followers_url or f"{author.uri}/followers",
            following_uri=author.following_url or f"{author.uri}/following")
    if poll:
        _add_poll(doc, poll)
    if quote is not None:
        _add_quote(doc, quote)
    return with_context(doc, NOTE_CONTEXT) if context else doc


def _add_quote(doc: dict[str, Any], quote: NoteQuote) -> None:
    """The quoted post under FEP-044f's name and the older ones Misskey and Fedibird read,
    the stamp once the quoted author allowed it, and, for servers that show no quotes, a
    link to the quoted post before the text (in a `quote-inline` paragraph, which servers
    that show the quote hide, as Mastodon marks it)."""
    doc["quote"] = doc["_misskey_quote"] = doc["quoteUri"] = quote.quoted_uri
    if quote.authorization:
        doc["quoteAuthorization"] = quote.authorization
    link = html.escape(quote.quoted_uri)
    doc["content"] = (f'<p class="quote-inline">RE: <a href="{link}">{link}</a></p>'
                      + doc["content"])
    if "contentMap" in doc:
        doc["contentMap"] = {k: doc["content"] for k in doc["contentMap"]}


def _add_poll(doc: dict[str, Any], poll: Mapping[str, Any]) -> None:
    options = [{"type": "Note", "name": o["title"],
                "replies": {"type": "Collection", "totalItems": int(o.get("votes") or 0)}}
               for o in poll.get("options", [])]
    doc["anyOf" if poll.get("multiple") else "oneOf"] = options
    if poll.get("expires_at"):
        doc["endTime"] = iso(poll["expires_at"])
        if poll.get("closed"):
            doc["closed"] = iso(poll["expires_at"])
    if poll.get("voters_count") is not None:
        doc["votersCount"] = int(poll["voters_count"])


def to_ap_create(note: Mapping[str, Any], *, status: Status, author: Any) -> dict[str, Any]:
    """The Create that carries a Note (or Question) made by `to_ap_note`."""
    body = {k: v for k, v in note.items() if k != "@context"}
    return with_context({
        "id": f"{status.uri}/activity", "type": "Create", "actor": author.uri,
        "published": body["published"], "to": body["to"], "cc": body["cc"], "object": body,
    }, note.get("@context", NOTE_CONTEXT))


def to_ap_announce(boost: Status, *, author: Any, boosted_uri: str, boosted_author_uri: str,
                   context: bool = True) -> dict[str, Any]:
    """A boost. Its own uri (…/statuses/ID/activity) is the Announce's id."""
    followers = author.followers_url or f"{author.uri}/followers"
    to, cc = audience(boost.visibility, followers_url=followers, mention_uris=[])
    doc = {"id": boost.uri, "type": "Announce", "actor": author.uri,
           "published": iso(boost.created_at), "to": to,
           "cc": list(dict.fromkeys([boosted_author_uri, *cc])), "object": boosted_uri}
    return with_context(doc) if context else doc


def to_ap_quote_authorization(*, stamp_uri: str, quoted_author_uri: str, quoting_uri: str,
                              quoted_uri: str) -> dict[str, Any]:
    """Our authorisation stamp for an accepted quote of a member's post (FEP-044f), as
    Mastodon 4.5 serves its own."""
    return with_context({
        "id": stamp_uri, "type": "QuoteAuthorization", "attributedTo": quoted_author_uri,
        "interactingObject": quoting_uri, "interactionTarget": quoted_uri,
    }, [AS, {
        "QuoteAuthorization": "https://w3id.org/fep/044f#QuoteAuthorization",
        "gts": "https://gotosocial.org/ns#",
        "interactingObject": {"@id": "gts:interactingObject"},
        "interactionTarget": {"@id": "gts:interactionTarget"},
    }])


def to_ap_tombstone(uri: str) -> dict[str, Any]:
    return with_context({"id": uri, "type": "Tombstone"})
