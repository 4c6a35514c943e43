"""What a web page says about itself, read with the standard library's HTML parser.

The sources, strongest first, are those Mastodon reads: JSON-LD (a NewsArticle or WebPage
object), OpenGraph and Twitter card tags, then the plain <title> and
<meta name="description">. The page may also point to an oEmbed description of itself
(`<link rel="alternate" type="application/json+oembed">`), which `service` tries first.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from server.cards.queries import NewCard

# Some sites wrap their JSON-LD in commented-out CDATA markers, which JSON does not allow.
_CDATA_JUNK = re.compile(
    r"^\s*(/\*\s*<!\[CDATA\[\s*\*/|//\s*<!\[CDATA\[|/\*\s*\]\]>\s*\*/|//\s*\]\]>)\s*$",
    re.MULTILINE)
_STRUCTURED_TYPES = ("NewsArticle", "WebPage")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_SIZE_LIMITS = {"title": 1000, "description": 4000, "name": 500}


@dataclass
class PageFacts:
    """Every tag the extraction may use, in document order; the first of each name wins."""
    meta: dict[str, str] = field(default_factory=dict)        # property= or name=
    named_meta: dict[str, str] = field(default_factory=dict)  # name= only
    title: str | None = None
    lang: str | None = None
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (rel, type, href)
    json_ld: list[str] = field(default_factory=list)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts = PageFacts()
        self._in: str | None = None   # "title" or "ld+json" while inside one
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        facts = self.facts
        if tag == "meta" and "content" in a:
            for key in (a.get("property", ""), a.get("name", "")):
                # property="og:title og:x" (RDFa lists) counts for each name in it.
                for name in key.split():
                    facts.meta.setdefault(name.lower(), a["content"])
            if a.get("name"):
                facts.named_meta.setdefault(a["name"].lower(), a["content"])
        elif tag == "link" and a.get("href"):
            facts.links.append((a.get("rel", "").lower(), a.get("type", "").lower(), a["href"]))
        elif tag == "html" and a.get("lang") and facts.lang is None:
            facts.lang = a["lang"]
        elif tag == "title" and facts.title is None:
            self._in, self._text = "title", []
        elif tag == "script" and a.get("type", "").lower() == "application/ld+json":
            self._in, self._text = "ld+json", []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("meta", "link"):
            self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._in == "title" and tag == "title":
            self.facts.title = "".join(self._text)
            self._in = None
        elif self._in == "ld+json" and tag == "script":
            self.facts.json_ld.append("".join(self._text))
            self._in = None


def collect(text: str) -> PageFacts:
    parser = _Collector()
    parser.feed(text)
    parser.close()
    return parser.facts


def _structured(facts: PageFacts) -> dict[str, Any]:
    """The first JSON-LD object of a supported type; broken blocks are skipped (common)."""
    for block in facts.json_ld:
        try:
            data = json.loads(_CDATA_JUNK.sub("", block))
        except ValueError:
            continue
        for obj in data if isinstance(data, list) else [data]:
            if isinstance(obj, dict) and obj.get("@type") in _STRUCTURED_TYPES:
                return obj
    return {}


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _text(value: Any, limit: str = "name") -> str | None:
    if not isinstance(value, str):
        return None
    # Some pages double-encode entities in their tags; the parser has decoded one layer.
    return html.unescape(value).strip()[:_SIZE_LIMITS[limit]]


def absolute_url(base: str, value: Any, *, same_origin: bool = False) -> str | None:
    """`value` resolved against the page, if it is an http(s) URL with a host."""
    if not isinstance(value, str) or not value.strip() or value.strip() == "null":
        return None
    try:
        url = urljoin(base, value.strip())
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if same_origin and parts.hostname != urlsplit(base).hostname:
        return None
    return url


def _int(value: str | None) -> int:
    try:
        return max(0, min(int(value or 0), 100_000))
    except ValueError:
        return 0


def _language(*candidates: Any) -> str | None:
    for value in candidates:
        if isinstance(value, dict):
            value = value.get("alternateName") or value.get("name")
        if isinstance(value, str) and value.strip():
            primary = re.split(r"[_-]", value.strip())[0].lower()
            return primary if _LANGUAGE.match(primary) else None
    return None


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def oembed_endpoint(facts: PageFacts, page_url: str) -> str | None:
    """The page's JSON oEmbed link (XML ones are not read); like Mastodon, any <link> of
    that type counts, whatever its rel."""
    for _rel, type_, href in facts.links:
        if type_ == "application/json+oembed":
            return absolute_url(page_url, href)
    return None


def canonical_url(facts: PageFacts, page_url: str) -> str:
    """Where the page says it lives, if on its own host; the card is stored under it."""
    canonical = next((href for rel, _, href in facts.links if rel == "canonical"), None)
    return (absolute_url(page_url, canonical or facts.meta.get("og:url"), same_origin=True)
            or page_url)


def to_card(facts: PageFacts, page_url: str) -> NewCard:
    meta = facts.meta
    data = _structured(facts)
    author = _first(data.get("author")) or {}
    publisher = _first(data.get("publisher")) or {}
    author = author if isinstance(author, dict) else {}
    publisher = publisher if isinstance(publisher, dict) else {}
    player = absolute_url(page_url, meta.get("twitter:player"))
    width, height = _int(meta.get("twitter:player:width")), _int(meta.get("twitter:player:height"))
    image = _first(data.get("image"))
    return NewCard(
        url=canonical_url(facts, page_url),
        type="video" if player else "link",
        title=_text(data.get("headline") or meta.get("og:title") or facts.title, "title") or "",
        description=_text(data.get("description") or meta.get("og:description")
                          or facts.named_meta.get("description"), "description") or "",
        # The player is shown in an iframe we build ourselves; its address is checked above.
        html=(f'<iframe src="{html.escape(player)}" width="{width}" height="{height}" '
              'allowfullscreen="true" allowtransparency="true" scrolling="no" frameborder="0">'
              '</iframe>') if player else "",
        width=width if player else 0,
        height=height if player else 0,
        provider_name=_text(publisher.get("name") or meta.get("og:site_name")) or "",
        author_name=_text(author.get("name") or meta.get("og:author")
                          or meta.get("og:author:username")) or "",
        author_url=absolute_url(page_url, author.get("url")) or "",
        embed_url=absolute_url(page_url, meta.get("twitter:player:stream")) or "",
        image_remote_url=absolute_url(page_url, meta.get("og:image") or meta.get("twitter:image")
                                      or (image.get("url") if isinstance(image, dict) else image)),
        image_description=_text(meta.get("og:image:alt"), "description") or "",
        language=_language(data.get("inLanguage") if not isinstance(data.get("inLanguage"), list)
                           else _first(data.get("inLanguage")), meta.get("og:locale"), facts.lang),
        published_at=_date(data.get("datePublished") or meta.get("article:published_time")),
    )
