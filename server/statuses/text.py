"""Turning what a local author typed into the HTML every fediverse client expects.

Plain text in; `<p>` paragraphs, `<br>` line breaks, links, `@mention` h-cards and
`#hashtag` links out, shaped the way Mastodon shapes them so clients render them alike.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

MENTION_RE = re.compile(
    r"(?<![\w@/])@([A-Za-z0-9_]+(?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)(?:@([A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?))?")
HASHTAG_RE = re.compile(r"(?<![\w/#&])#(\w*[^\W\d_]\w*)")
URL_RE = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


@dataclass(frozen=True)
class MentionRef:
    username: str
    domain: str | None   # None: the author's own instance

    @property
    def acct(self) -> str:
        return self.username if self.domain is None else f"{self.username}@{self.domain}"


@dataclass(frozen=True)
class LinkTarget:
    """Where a resolved mention points."""

    url: str
    username: str


def extract_mentions(text: str, *, local_domain: str) -> list[MentionRef]:
    found: dict[str, MentionRef] = {}
    for match in MENTION_RE.finditer(_without_urls(text)):
        domain = match.group(2)
        if domain is not None and domain.lower() == local_domain.lower():
            domain = None
        ref = MentionRef(match.group(1), domain.lower() if domain else None)
        found.setdefault(ref.acct.lower(), ref)
    return list(found.values())


def extract_hashtags(text: str) -> list[str]:
    seen: dict[str, str] = {}
    for match in HASHTAG_RE.finditer(_without_urls(text)):
        seen.setdefault(match.group(1).lower(), match.group(1))
    return list(seen.values())


def _without_urls(text: str) -> str:
    # A URL's fragment or path must not be read as a hashtag or a mention.
    return URL_RE.sub(lambda m: " " * len(m.group(0)), text)


def format_text(text: str, *, mentions: Mapping[str, LinkTarget], tag_url: Callable[[str], str]) -> str:
    """HTML for `text`. `mentions` maps a lower-cased acct (as written) to its target;
    unresolved mentions stay plain text."""
    paragraphs = re.split(r"\n{2,}", text.strip().replace("\r\n", "\n"))
    return "".join(f"<p>{_format_paragraph(p, mentions, tag_url)}</p>" for p in paragraphs if p)


def _format_paragraph(text: str, mentions: Mapping[str, LinkTarget], tag_url: Callable[[str], str]) -> str:
    pieces: list[str] = []
    pos = 0
    for kind, match in _tokens(text):
        pieces.append(html.escape(text[pos:match.start()], quote=False))
        pieces.append(_render(kind, match, mentions, tag_url))
        pos = match.end()
    pieces.append(html.escape(text[pos:], quote=False))
    return "".join(pieces).replace("\n", "<br>")


def _tokens(text: str) -> list[tuple[str, re.Match[str]]]:
    urls = [("url", m) for m in URL_RE.finditer(text)]
    masked = _without_urls(text)
    found = urls + [("mention", m) for m in MENTION_RE.finditer(masked)]
    found += [("tag", m) for m in HASHTAG_RE.finditer(masked)]
    found.sort(key=lambda t: t[1].start())
    kept: list[tuple[str, re.Match[str]]] = []
    end = -1
    for kind, match in found:
        if match.start() >= end:
            kept.append((kind, match))
            end = match.end()
    return kept


def _render(kind: str, match: re.Match[str], mentions: Mapping[str, LinkTarget],
            tag_url: Callable[[str], str]) -> str:
    if kind == "url":
        return _link(match.group(0))
    if kind == "tag":
        name = match.group(1)
        return (f'<a href="{html.escape(tag_url(name))}" class="mention hashtag" rel="tag">'
                f"#<span>{html.escape(name)}</span></a>")
    acct = match.group(0)[1:].lower()
    target = mentions.get(acct)
    if target is None:
        return html.escape(match.group(0), quote=False)
    return (f'<span class="h-card" translate="no"><a href="{html.escape(target.url)}" '
            f'class="u-url mention">@<span>{html.escape(target.username)}</span></a></span>')


def _link(url: str) -> str:
    # Mastodon shortens long links visibly but keeps the whole URL in href.
    scheme, rest = url.split("://", 1)
    display, extra = rest[:30], rest[30:]
    inner = (f'<span class="invisible">{html.escape(scheme)}://</span>'
             f'<span class="{"ellipsis" if extra else ""}">{html.escape(display)}</span>'
             f'<span class="invisible">{html.escape(extra)}</span>')
    return f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener noreferrer" translate="no">{inner}</a>'


def plain_text(content_html: str) -> str:
    """A rough plain-text rendering (for search, notifications and previews)."""
    text = re.sub(r"<br\s*/?>", "\n", content_html)
    text = re.sub(r"</p>\s*<p>", "\n\n", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
