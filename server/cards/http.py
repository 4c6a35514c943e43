"""Fetching web pages, oEmbed answers and preview pictures for cards, with limits.

The requests go through the server's one outgoing client, whose resolver refuses private
addresses unless the configuration allows them (see `federation.netguard`); every URL, and
every redirect hop, is also checked before it is requested (scheme, credentials, literal
addresses). Unlike ActivityPub fetches, plain http is allowed: many pages people share are
still served that way, and Mastodon previews them too. Redirects are followed by hand, at
most MAX_REDIRECTS; the whole exchange has a time limit, and no more than the byte limit is
ever read.

A page is read only when it answers 200 with text/html, as Mastodon does. A page larger
than the limit is cut there rather than refused: its head, which is what a card needs,
comes first. Anything else is a `FetchError`.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import aiohttp

from server.federation.activitypub.fetch import check_url as fetch_check_url
from server.federation.activitypub.fetch import get_following_redirects
from server.federation.activitypub.fetch import (
    FetchDeniedError,
    FetchError,
    FetchInvalidError,
    FetchTooLargeError,
    FetchUnavailableError,
)
from server.jobs.context import JobContext

PAGE_BYTES = 1024 * 1024
OEMBED_BYTES = 256 * 1024
IMAGE_BYTES = 2 * 1024 * 1024       # Mastodon refuses larger card pictures
TIMEOUT_SECONDS = 10.0
HTML_ACCEPT = "text/html"
JSON_ACCEPT = "application/json"
WEB_SCHEMES = ("http", "https")
# <meta charset="..."> or <meta http-equiv="Content-Type" content="...; charset=...">
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


@dataclass(frozen=True)
class Response:
    url: str            # after redirects
    media_type: str     # lower case, without parameters
    charset: str | None
    body: bytes


def check_url(url: str, ctx: JobContext) -> None:
    """Web pages are read over http too, whatever federation requires; the other checks
    (credentials, literal private addresses) are federation's."""
    fetch_check_url(url, ctx, schemes=WEB_SCHEMES)


def _session(ctx: JobContext) -> aiohttp.ClientSession:
    if ctx.http is None:
        raise FetchUnavailableError("", "this context has no HTTP client")
    return ctx.http


async def get(ctx: JobContext, url: str, *, accept: str, max_bytes: int,
              truncate: bool = False, timeout: float = TIMEOUT_SECONDS) -> Response:
    """GET `url` (following redirects): only a 200 is an answer."""
    async def read(url: str, resp: aiohttp.ClientResponse) -> Response:
        if resp.status != 200:
            raise FetchDeniedError(url, f"the server answered {resp.status}")
        body = await _read(url, resp, max_bytes, truncate=truncate)
        return Response(url, resp.content_type.lower(), resp.charset, body)

    return await get_following_redirects(ctx, _session(ctx), url,
                                         headers=lambda _: {"Accept": accept}, read=read,
                                         timeout=timeout, schemes=WEB_SCHEMES)


async def _read(url: str, resp: aiohttp.ClientResponse, max_bytes: int, *,
                truncate: bool) -> bytes:
    if not truncate and resp.content_length is not None and resp.content_length > max_bytes:
        raise FetchTooLargeError(url, f"the document is larger than {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            if not truncate:
                raise FetchTooLargeError(url, f"the document is larger than {max_bytes} bytes")
            break   # leaving the `async with` drops the connection and the rest of the body
    return b"".join(chunks)[:max_bytes]


async def fetch_page(ctx: JobContext, url: str) -> tuple[str, str]:
    """(final URL, decoded text) of an HTML page."""
    resp = await get(ctx, url, accept=HTML_ACCEPT, max_bytes=PAGE_BYTES, truncate=True)
    if resp.media_type != "text/html":
        raise FetchInvalidError(resp.url, f"{resp.media_type or 'no type'} is not text/html")
    return resp.url, decode_html(resp.body, resp.charset)


def decode_html(body: bytes, declared: str | None) -> str:
    """The header's charset, else the page's own <meta> declaration, else UTF-8; bytes that
    do not decode are replaced rather than refused."""
    for candidate in (declared, _meta_charset(body), "utf-8"):
        if candidate:
            try:
                codec = codecs.lookup(candidate).name
            except LookupError:
                continue
            return body.decode(codec, errors="replace")
    return body.decode("utf-8", errors="replace")


def _meta_charset(body: bytes) -> str | None:
    found = _META_CHARSET.search(body[:4096])
    return found.group(1).decode("ascii", "ignore") if found else None


__all__ = ["FetchError", "Response", "check_url", "decode_html", "fetch_page", "get"]
