"""Paging lists the way Mastodon does: `max_id` / `since_id` / `min_id` / `limit` in, a
`Link` header out.

- `max_id`: only items older than this id (the next page).
- `since_id`: only items newer than this id, newest first (a gap may remain).
- `min_id`: the items right after this id, oldest of them first in the query, newest first in
  the answer (the previous page, with no gap).
- `limit`: how many; the endpoint's default when absent, never more than its maximum
  (twice the default unless the endpoint says otherwise).

The Link header points at the public base URL from the configuration, never at the Host
header, and keeps every other query parameter of the request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import re
from urllib.parse import quote_plus

from aiohttp import web

from server.api.entities.cache import BoundedCache
from server.api.params import Params, parse_id
from server.config import Config

# Replaced by the link's own cursor, or never to be repeated in a URL.
DROPPED_KEYS = frozenset({"max_id", "since_id", "min_id", "access_token"})


@dataclass(frozen=True)
class Page:
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = 20

    @property
    def oldest_first(self) -> bool:
        """A `min_id` page is read upwards from min_id (then shown newest first)."""
        return self.min_id is not None


def page_params(params: Params, *, default: int = 20, maximum: int | None = None) -> Page:
    cap = maximum if maximum is not None else default * 2
    raw = params.raw("limit")
    try:
        limit = abs(int(raw)) if raw not in (None, "") else default
    except (TypeError, ValueError):
        limit = default
    return Page(max_id=_id(params, "max_id"), since_id=_id(params, "since_id"),
                min_id=_id(params, "min_id"), limit=max(1, min(limit, cap)))


def _id(params: Params, name: str) -> int | None:
    value = params.raw(name)
    return parse_id(value) if isinstance(value, str) else None


def page_url(config: Config, path: str, query: Mapping[str, str] | Sequence[tuple[str, str]],
             **paging: int) -> str:
    items = query.items() if isinstance(query, Mapping) else query
    kept = [(k, v) for k, v in items if k not in DROPPED_KEYS]
    kept += [(k, str(v)) for k, v in paging.items()]
    return config.url(path.rstrip("/") or "/") + ("?" + _encode(kept) if kept else "")


# What quote_plus leaves as it is: most keys and values (limit=20, max_id=…) need no quoting.
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")


def _encode(pairs: list[tuple[str, str]]) -> str:
    """urlencode's output, without its per-character work for the plain items (two links on
    every page of every list)."""
    return "&".join(f"{k if _PLAIN.fullmatch(k) else quote_plus(k)}="
                    f"{v if _PLAIN.fullmatch(v) else quote_plus(v)}" for k, v in pairs)


# Link prefixes of the lists read lately (the public URL and the parameters kept, up to the
# cursor): every page of every list answers with two links, and the next request for the
# same list, whatever its cursor, has the same prefix.
_PREFIXES: BoundedCache[tuple[str, str, tuple[tuple[str, str], ...]], str] = BoundedCache(
    1024, "link_prefixes")


def link_header(config: Config, path: str, query: Mapping[str, str] | Sequence[tuple[str, str]],
                *, next_max_id: int | None, prev_min_id: int | None) -> str | None:
    if next_max_id is None and prev_min_id is None:
        return None
    items = query.items() if isinstance(query, Mapping) else query
    kept = tuple((k, v) for k, v in items if k not in DROPPED_KEYS)
    key = (config.base_url, path, kept)
    prefix = _PREFIXES.get(key)
    if prefix is None:   # page_url's text before its cursor, ending in `?` or `&`
        prefix = _PREFIXES.put(key, config.url(path.rstrip("/") or "/") + "?"
                               + (_encode(list(kept)) + "&" if kept else ""))
    # Cursors are integers: nothing in them to quote (page_url's encoding gives the same).
    links = []
    if next_max_id is not None:
        links.append(f'<{prefix}max_id={next_max_id}>; rel="next"')
    if prev_min_id is not None:
        links.append(f'<{prefix}min_id={prev_min_id}>; rel="prev"')
    return ", ".join(links)


def paginate(response: web.StreamResponse, request: web.Request, config: Config, page: Page,
             ids: Sequence[int]) -> None:
    """Set the Link header for a page whose items (newest first) have these paging ids: a
    next link only when the page is full, a previous link whenever it has items."""
    if not ids:
        return
    header = link_header(config, request.path, list(request.query.items()),
                         next_max_id=ids[-1] if len(ids) >= page.limit else None,
                         prev_min_id=ids[0])
    if header:
        response.headers["Link"] = header
