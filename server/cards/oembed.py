"""A card from the oEmbed description a page points to (JSON only), as Mastodon reads one.

`link` and `photo` answers give a picture, `video` an embed whose HTML is kept only as an
iframe (sanitised with nh3); `rich` answers are not used, because providers build them with
scripts, and the caller falls back to the page's own tags.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin

import nh3

from server.cards import http
from server.cards.extract import absolute_url
from server.cards.queries import NewCard
from server.jobs.context import JobContext

TYPES = ("link", "photo", "video", "rich")
_IFRAME_ATTRIBUTES = {"src", "width", "height", "allowfullscreen", "frameborder", "scrolling",
                      "allowtransparency"}


def sanitize_embed(html: str) -> str:
    """Only iframes with http(s) sources and their layout attributes survive."""
    return nh3.clean(html, tags={"iframe"}, attributes={"iframe": _IFRAME_ATTRIBUTES},
                     url_schemes={"http", "https"}, link_rel=None, strip_comments=True).strip()


async def fetch(ctx: JobContext, endpoint: str) -> dict[str, Any] | None:
    resp = await http.get(ctx, endpoint, accept=http.JSON_ACCEPT, max_bytes=http.OEMBED_BYTES)
    try:
        data = json.loads(resp.body)
    except ValueError:
        return None
    # Mastodon takes an answer only if it says it is oEmbed 1.0 and has a known type.
    if not isinstance(data, dict) or str(data.get("version")) != "1.0":
        return None
    return data if data.get("type") in TYPES else None


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _size(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    try:
        return max(0, min(int(value), 100_000)) if value is not None else 0
    except (TypeError, ValueError):
        return 0


def to_card(data: dict[str, Any], *, page_url: str, endpoint: str) -> NewCard | None:
    """None when the answer cannot make a card (rich, a photo without its picture)."""
    kind = data["type"]
    # Relative addresses in the answer are relative to the thing embedded.
    base = absolute_url(endpoint, data.get("url")) or page_url
    common: dict[str, Any] = {
        "url": page_url, "type": kind, "title": _str(data, "title")[:1000],
        "author_name": _str(data, "author_name")[:500],
        "author_url": absolute_url(base, data.get("author_url")) or "",
        "provider_name": _str(data, "provider_name")[:500],
        "provider_url": absolute_url(base, data.get("provider_url")) or "",
    }
    thumbnail = absolute_url(base, data.get("thumbnail_url"))
    if kind == "link":
        return NewCard(**common, image_remote_url=thumbnail)
    if kind == "photo":
        picture = absolute_url(endpoint, data.get("url"))
        if picture is None:
            return None
        return NewCard(**common, embed_url=picture, image_remote_url=picture,
                       width=_size(data, "width"), height=_size(data, "height"))
    if kind == "video":
        embed = _str(data, "html")
        # Protocol-relative and relative iframe sources are made absolute before sanitising.
        embed = embed.replace('src="//', 'src="https://').replace("src='//", "src='https://")
        return NewCard(**common, html=sanitize_embed(_absolute_sources(embed, base)),
                       image_remote_url=thumbnail,
                       width=_size(data, "width"), height=_size(data, "height"))
    return None


def _absolute_sources(embed: str, base: str) -> str:
    """Relative src="..." values resolved against `base` (nh3 would drop them otherwise)."""

    def fix(match: re.Match[str]) -> str:
        quote, value = match.group(1), match.group(2)
        if value.startswith(("http://", "https://")):
            return match.group(0)
        return f"src={quote}{urljoin(base, value)}{quote}"

    return re.sub(r"""src=(["'])([^"']*)\1""", fix, embed)
