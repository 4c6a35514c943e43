"""Which link of a status gets a card: the first one that points somewhere else.

As Mastodon chooses: links in the status's HTML, in order, skipping hashtags (rel="tag"),
mentions (the microformats classes `u-url` / `h-card`, or an address that is the profile of
an account the status mentions), links back to this server, and anything but http(s); and,
because remote HTML is stored without its rel values, links marked or written as a
mention or hashtag.
Local and remote statuses are read the same way, from their stored HTML, whose mention and
hashtag links our own formatter marks exactly as Mastodon's does.
"""

from __future__ import annotations

from collections.abc import Collection
from html.parser import HTMLParser
from urllib.parse import urlsplit, urlunsplit

# The URL is a unique key, and a btree entry is limited to about 2.7 kB (Mastodon stops at
# 2692 characters); links longer than this get no card.
MAX_URL_BYTES = 2048


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[dict[str, str]] = []
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open = {k.lower(): (v or "") for k, v in attrs}
            self._open[" text"] = ""
            self.anchors.append(self._open)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[" text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._open = None


def normalize(url: str) -> str | None:
    """Scheme and host in lower case, no default port, no fragment; None if unusable."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host or parts.username or parts.password:
        return None
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) \
        else f"{host}:{port}"
    normalized = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    return normalized if len(normalized.encode()) <= MAX_URL_BYTES else None


def _skipped(anchor: dict[str, str], mention_urls: Collection[str]) -> bool:
    classes = anchor.get("class", "").split()
    # Stored remote HTML has lost its rel="tag" (our sanitiser sets rel itself), so the
    # `mention` / `hashtag` classes, and a link text that is a #tag or an @name, stand in.
    return ("tag" in anchor.get("rel", "").lower().split()
            or any(c in classes for c in ("u-url", "h-card", "mention", "hashtag"))
            or anchor[" text"].lstrip().startswith(("#", "@"))
            or anchor.get("href", "") in mention_urls)


def choose_link(content: str, *, mention_urls: Collection[str], local_host: str) -> str | None:
    """The normalized URL to make a card for, or None."""
    parser = _Anchors()
    parser.feed(content)
    parser.close()
    for anchor in parser.anchors:
        if not anchor.get("href") or _skipped(anchor, mention_urls):
            continue
        url = normalize(anchor["href"])
        if url is None or urlsplit(url).hostname == local_host.lower():
            continue
        return url
    return None
