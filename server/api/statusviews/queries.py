"""SQL behind status-shaped entities: everything a page of statuses needs, loaded for the
whole page at once so rendering 40 statuses costs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from operator import itemgetter
from typing import Any, NamedTuple

from server.api.entities.cache import BoundedCache
from server.api.entities.status_shared import Kept
from server.api.queries import AccountView
from server.conversations.queries import ConversationRef
from server.db import Conn, load_queries
from server.jsonio import loads
from server.statuses.queries import Status

Q = load_queries("server.api.statusviews")


async def list_media_for_statuses(conn: Conn, *, status_ids: list[int]) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_media_for_statuses"], status_ids)]


async def list_polls_for_statuses(conn: Conn, *, status_ids: list[int],
                                  viewer_id: int | None) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["list_polls_for_statuses"], status_ids, viewer_id)]


async def list_viewer_flags(conn: Conn, *, status_ids: list[int],
                            viewer_id: int) -> dict[int, dict[str, bool]]:
    rows = await conn.fetch(Q["list_viewer_flags"], status_ids, viewer_id)
    return {r["id"]: {k: r[k] for k in ("favourited", "reblogged", "bookmarked", "pinned", "muted")}
            for r in rows}


FLAG_NAMES = ("favourited", "reblogged", "bookmarked", "pinned", "muted")


STATUS_FIELDS = tuple(f.name for f in fields(Status))
ACCOUNT_COLUMNS = tuple(f.name for f in fields(AccountView) if f.name != "id")
FIELDS_AT = ACCOUNT_COLUMNS.index("fields")


class PageRow(NamedTuple):
    """One status of a page with its author and what list_page says it embeds. (A named
    tuple: built about five times faster than a frozen dataclass, for every row of every
    page.)"""

    status: Status
    author: AccountView
    media: list[dict[str, Any]] | None
    mentions: list[dict[str, Any]] | None
    tags: list[str] | None
    has_poll: bool
    flags: dict[str, bool]
    application: dict[str, Any] | None
    has_card: bool = False
    has_quote: bool = False


def _columns_in_order(keys: list[str]) -> bool:
    """list_page's columns start with the Status fields, then a_ + the AccountView fields
    after id, in the dataclasses' order: rows can then be cut into them by position."""
    n, m = len(STATUS_FIELDS), len(ACCOUNT_COLUMNS)
    return (tuple(keys[:n]) == STATUS_FIELDS
            and tuple(keys[n:n + m]) == tuple("a_" + f for f in ACCOUNT_COLUMNS))


_EXTRAS = ("media", "mentions", "tags", "has_poll", "app_name", "app_website", "has_card",
           "has_quote", *FLAG_NAMES)


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where a query's rows keep what _page_rows reads, found once per column list."""

    by_position: bool
    extras: tuple[int, ...]   # positions of _EXTRAS


_LAYOUTS: dict[tuple[str, ...], _Layout] = {}


def _layout(keys: tuple[str, ...]) -> _Layout:
    found = _LAYOUTS.get(keys)
    if found is None:
        found = _LAYOUTS[keys] = _Layout(_columns_in_order(list(keys)),
                                         tuple(keys.index(name) for name in _EXTRAS))
    return found


# Statuses as pages show them, and their authors: building the frozen dataclass costs several
# times more than finding it again, and handing out the same object for an unchanged row lets
# the entity caches (status_shared, accounts) recognise it by identity. One entry per row,
# keyed by id (comparing the columns costs less than hashing them): the columns it was built from
# are kept with it and compared on a hit, so a changed row (counters change all the time)
# replaces its entry instead of leaving a dead version behind. The home timeline's rows
# (list_home_rows) leave out four columns (see HomePage) and are found by the versions of
# their rows (xmin), which lead the kept columns: they are a form of their own, under the
# negated id (statuses and authors alike), or the same status or author read by both kinds of
# page would replace its entry on every other page.
# Bounded in bytes as well as entries, weighed as tracemalloc sees them: W6 reads ~420
# statuses and ~390 authors (every first and second home page of dataset S's 200 users), the
# W7 soak's pages show ~530 authors and more statuses, some in both forms; a row beyond the
# bound is built again when read again.
Row = tuple[Any, ...]
PAGE_ROWS_MAX = 2048
STATUSES_MAX_BYTES = 2 << 20
AUTHORS_MAX_BYTES = 3 << 19
# Beyond the text, what an entry holds in Python objects (the columns' tuple, the dataclass,
# ints, datetimes, string headers, its slot in the cache), measured with tracemalloc over
# the benchmarks' rows.
STATUS_ENTRY_BYTES = 1120
AUTHOR_ENTRY_BYTES = 1290


def _text_bytes(columns: Row) -> int:
    return sum(len(v) for v in columns if type(v) is str)


def _weigh_status(entry: tuple[Any, ...]) -> int:
    return STATUS_ENTRY_BYTES + _text_bytes(entry[0])


def _weigh_author(entry: tuple[Row, AccountView]) -> int:
    return AUTHOR_ENTRY_BYTES + _text_bytes(entry[0])


# (columns, Status) for list_page's rows; (version and columns, Status, HomeEmbeds) for the home's.
_STATUSES: BoundedCache[int, tuple[Any, ...]] = BoundedCache(
    PAGE_ROWS_MAX, "page_statuses", max_bytes=STATUSES_MAX_BYTES, weigh=_weigh_status)
_AUTHORS: BoundedCache[int, tuple[Row, AccountView]] = BoundedCache(
    PAGE_ROWS_MAX, "page_authors", max_bytes=AUTHORS_MAX_BYTES, weigh=_weigh_author)


async def list_page(conn: Conn, *, status_ids: list[int], viewer_id: int | None) -> list[PageRow]:
    return _page_rows(await conn.fetch(Q["list_page"], status_ids, viewer_id))


HOME_PAGE_MAX = 40   # /api/v1/timelines/home's maximum limit


@dataclass(frozen=True, slots=True)
class HomePage:
    ids: list[int]             # the entries, newest first
    # Their rows, and the originals of the boosts among them, for rendering only: their
    # statuses' in_reply_to_uri, text_source, deleted_at and updated_at are None (see
    # queries.sql), kept in _STATUSES apart from full rows (under the negated id).
    rows: list[PageRow]
    viewer_filters: bool       # whether the viewer has filters in force (False: none apply)


# Where list_home_page's rows keep what it reads, by name once per column list.
_HOME_COLUMNS = ("id", "account_id", "version", "a_xmin", "st_xmin", "in_page",
                 "viewer_filters", *FLAG_NAMES)
_HOME_LAYOUTS: dict[tuple[str, ...], tuple[int, ...]] = {}
# What a status embeds, as PageRow holds it after the author: media, mentions, tags,
# has_poll, then (after the flags) application, has_card and has_quote.
HomeEmbeds = tuple[Any, Any, Any, bool, dict[str, Any] | None, bool, bool]


async def list_home_page(conn: Conn, *, account_id: int, max_id: int | None, since_id: int | None,
                         limit: int, now: datetime) -> HomePage:
    """The home timeline's entries and the rows to render them, which also tells whether any
    of the viewer's filters can apply: one round trip when the process holds every status
    (with what it embeds) and author of the page at the versions read (see queries.sql), two
    otherwise."""
    if limit > HOME_PAGE_MAX:   # the query cuts the feed there (see queries.sql)
        raise ValueError(f"list_home_page reads at most {HOME_PAGE_MAX} entries")
    rows = await conn.fetch(Q["list_home_page"], account_id, max_id, since_id, limit, now)
    if not rows:
        return HomePage([], [], False)
    keys = tuple(rows[0].keys())
    at = _HOME_LAYOUTS.get(keys)
    if at is None:
        at = _HOME_LAYOUTS[keys] = tuple(keys.index(name) for name in _HOME_COLUMNS)
    (id_at, author_at, version_at, a_xmin_at, st_xmin_at, in_page_at, filters_at,
     *flags_at) = at
    # An author's version: (a_xmin, st_xmin), the first NULL unless it has no account_stats
    # (see queries.sql).
    author_version = itemgetter(a_xmin_at, st_xmin_at)
    # Statuses and authors as this process holds them, by the versions just read: the rows
    # kept under the negated ids start with the version they were read at.
    statuses: dict[int, tuple[Status, HomeEmbeds]] = {}
    authors: dict[int, AccountView] = {}
    missing = []
    kept_status, kept_author = _STATUSES.get, _AUTHORS.get
    for values in rows:
        status_id, author_id = values[id_at], values[author_at]
        found = kept_status(-status_id)
        if found is not None and found[0][0] == values[version_at]:
            statuses[status_id] = found[1:]
        else:
            missing.append(status_id)
            continue
        if author_id in authors:
            continue
        seen = kept_author(-author_id)
        if seen is not None and seen[0][0] == author_version(values):
            authors[author_id] = seen[1]
        else:
            missing.append(status_id)
    if missing:
        await _read_home_rows(conn, missing, statuses, authors)
    flags_of = itemgetter(*flags_at)   # the five flags as a tuple, in C (no list per row)
    shared_flags = _FLAG_DICTS.get
    ids, out = [], []
    for values in rows:
        held = statuses.get(values[id_at])
        if held is None:   # gone between the two reads
            continue
        status, (media, mentions, tags, has_poll, application, has_card, has_quote) = held
        author = authors.get(status.account_id)
        if author is None:
            continue
        if values[in_page_at]:
            ids.append(status.id)
        flag_values = flags_of(values)
        out.append(_page_row(PageRow, (
            status, author, media, mentions, tags, has_poll,
            shared_flags(flag_values) or _flags_dict(flag_values), application, has_card,
            has_quote)))
    return HomePage(ids, out, rows[0][filters_at])


_ROWS_EMBEDS = ("media", "mentions", "tags", "has_poll", "app_name", "app_website", "has_card",
                "has_quote")


async def _read_home_rows(conn: Conn, status_ids: list[int],
                          statuses: dict[int, tuple[Status, HomeEmbeds]],
                          authors: dict[int, AccountView]) -> None:
    """Reads and keeps the rows of these statuses, what they embed, and their authors, at
    their versions now (newer than list_home_page's if they changed in between: the newer is
    shown)."""
    rows = await conn.fetch(Q["list_home_rows"], status_ids)
    if not rows:
        return
    keys = tuple(rows[0].keys())
    if not _columns_in_order(list(keys)):
        raise RuntimeError("list_home_rows's columns are not in the Status / AccountView order")
    n, m = len(STATUS_FIELDS), len(ACCOUNT_COLUMNS)
    version_at = keys.index("version")
    author_version = itemgetter(keys.index("a_xmin"), keys.index("st_xmin"))
    embeds_of = itemgetter(*(keys.index(k) for k in _ROWS_EMBEDS))
    for values in rows:
        cut = values[:n]
        (media, mentions, tags, has_poll, app_name, app_website, has_card,
         has_quote) = embeds_of(values)
        held = (Status(*cut), (
            Kept(loads(media)) if media is not None else None,
            Kept(loads(mentions)) if mentions is not None else None,
            Kept(tags) if tags is not None else None, has_poll,
            {"name": app_name, "website": app_website} if app_name is not None else None,
            has_card, has_quote))
        # The JSON's text is kept with the columns, where the cache's weight counts it.
        kept = _STATUSES.put(-held[0].id, ((values[version_at], *cut, media, mentions), *held))
        statuses[held[0].id] = kept[1:]
        raw = values[1:2] + values[n:n + m]   # the author's id and columns
        account = list(raw)
        account[1 + FIELDS_AT] = loads(account[1 + FIELDS_AT] or "[]")
        author = AccountView(*account)
        authors[author.id] = _AUTHORS.put(-author.id, ((author_version(values), *raw), author))[1]


# The viewer's flags as dicts, one shared object per combination of values (a few dozen at
# most): no dict built per row, and the same flags are the same object, which lets the
# entities built from them be found again by identity (entities.statuses). Never changed.
_FLAG_DICTS: dict[tuple[Any, ...], dict[str, bool]] = {}


def _flags_dict(values: tuple[Any, ...]) -> dict[str, bool]:
    found = _FLAG_DICTS.get(values)
    if found is None:
        found = _FLAG_DICTS[values] = dict(zip(FLAG_NAMES, values))
    return found


# A PageRow from a tuple of its values, in C: the named tuple's own constructor is a Python
# function (one more frame per row of every page).
_page_row = tuple.__new__


def _page_rows(rows: list[Any]) -> list[PageRow]:
    if not rows:
        return []
    out = []
    append = out.append
    layout = _layout(tuple(rows[0].keys()))
    n, m = len(STATUS_FIELDS), len(ACCOUNT_COLUMNS)
    (media_at, mentions_at, tags_at, poll_at, app_at, site_at, card_at, quote_at,
     *flags_at) = layout.extras
    flags_of = itemgetter(*flags_at)   # the five flags as a tuple, in C (no list per row)
    shared_flags = _FLAG_DICTS.get
    by_position = layout.by_position
    for values in rows:
        # By position: several times cheaper than by name, on every page. A record's slices
        # are tuples, so the row is not copied into one first.
        if by_position:
            cut = values[:n]
            key = cut[0]
            found = _STATUSES.get(key)
            if found is not None and found[0] == cut:
                status = found[1]
            else:
                status = _STATUSES.put(key, (cut, Status(*cut)))[1]
            raw = values[1:2] + values[n:n + m]   # the author's id and columns
            seen = _AUTHORS.get(raw[0])
            if seen is not None and seen[0] == raw:
                author = seen[1]
            else:
                account = list(raw)
                account[1 + FIELDS_AT] = loads(account[1 + FIELDS_AT] or "[]")
                author = _AUTHORS.put(raw[0], (raw, AccountView(*account)))[1]
        else:
            status = Status(**{f: values[f] for f in STATUS_FIELDS})
            author = AccountView(id=values["account_id"],
                                 **{f: values["a_" + f] for f in ACCOUNT_COLUMNS if f != "fields"},
                                 fields=loads(values["a_fields"] or "[]"))
        app_name = values[app_at]
        flag_values = flags_of(values)
        append(_page_row(PageRow, (
            status, author, values[media_at], values[mentions_at], values[tags_at],
            values[poll_at], shared_flags(flag_values) or _flags_dict(flag_values),
            {"name": app_name, "website": values[site_at]} if app_name is not None else None,
            values[card_at], values[quote_at])))
    return out


async def filter_visible_for_viewers(conn: Conn, *, status_id: int, viewer_ids: list[int],
                                    now: datetime) -> set[int]:
    if not viewer_ids:
        return set()
    rows = await conn.fetch(Q["filter_visible_for_viewers"], status_id, viewer_ids, now)
    return {r["viewer_id"] for r in rows}


async def list_viewer_flags_for_viewers(conn: Conn, *, status_ids: list[int], viewer_ids: list[int],
                                        ) -> dict[int, dict[int, dict[str, bool]]]:
    """viewer id -> status id -> flags, for the pairs with any flag set."""
    out: dict[int, dict[int, dict[str, bool]]] = {}
    for r in await conn.fetch(Q["list_viewer_flags_for_viewers"], status_ids, viewer_ids):
        out.setdefault(r["viewer_id"], {})[r["id"]] = {k: r[k] for k in FLAG_NAMES}
    return out


async def filter_visible(conn: Conn, *, status_ids: list[int], viewer_id: int | None,
                         hide_muted: bool, now: datetime) -> set[int]:
    if not status_ids:
        return set()
    rows = await conn.fetch(Q["filter_visible"], status_ids, viewer_id, hide_muted, now)
    return {r["id"] for r in rows}


async def list_ancestors(conn: Conn, *, status_id: int, limit: int) -> list[int]:
    return [r["id"] for r in await conn.fetch(Q["list_ancestors"], status_id, limit)]


async def list_descendants(conn: Conn, *, status_id: int, limit: int) -> list[tuple[int, int]]:
    return [(r["id"], r["parent"]) for r in await conn.fetch(Q["list_descendants"], status_id, limit)]


async def list_rebloggers(conn: Conn, *, status_id: int, max_id: int | None, since_id: int | None,
                          limit: int) -> list[tuple[int, int]]:
    rows = await conn.fetch(Q["list_rebloggers"], status_id, max_id, since_id, limit)
    return [(r["page_id"], r["account_id"]) for r in rows]


async def list_favouriters(conn: Conn, *, status_id: int, max_id: int | None, since_id: int | None,
                           limit: int) -> list[tuple[int, int]]:
    rows = await conn.fetch(Q["list_favouriters"], status_id, max_id, since_id, limit)
    return [(r["page_id"], r["account_id"]) for r in rows]


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_accounts(conn: Conn, *, text: str, domain: str | None, viewer_id: int | None,
                          following: bool, limit: int, offset: int) -> list[int]:
    rows = await conn.fetch(Q["search_accounts"], like_escape(text.lower()), domain, viewer_id,
                            following, limit, offset)
    return [r["id"] for r in rows]


async def search_tags(conn: Conn, *, text: str, limit: int, offset: int) -> list[tuple[int, str]]:
    rows = await conn.fetch(Q["search_tags"], like_escape(text.lower()), limit, offset)
    return [(r["id"], r["name"]) for r in rows]


async def search_statuses(conn: Conn, *, text: str, viewer_id: int, account_id: int | None,
                          limit: int, offset: int) -> list[int]:
    rows = await conn.fetch(Q["search_statuses"], text, viewer_id, account_id, limit, offset)
    return [r["id"] for r in rows]


async def find_status_by_url(conn: Conn, *, url: str) -> int | None:
    return await conn.fetchval(Q["find_status_by_url"], url)


async def tag_history(conn: Conn, *, tag_ids: list[int], since: datetime) -> list[dict[str, Any]]:
    return [dict(r) for r in await conn.fetch(Q["tag_history"], tag_ids, since)]


async def trending_tags(conn: Conn, *, since: datetime, limit: int, offset: int) -> list[tuple[int, str]]:
    return [(r["id"], r["name"]) for r in await conn.fetch(Q["trending_tags"], since, limit, offset)]


async def trending_statuses(conn: Conn, *, since: datetime, limit: int, offset: int) -> list[int]:
    return [r["id"] for r in await conn.fetch(Q["trending_statuses"], since, limit, offset)]


async def list_conversations(conn: Conn, *, account_id: int, max_id: int | None,
                             since_id: int | None, min_id: int | None,
                             limit: int) -> list[ConversationRef]:
    """The account's conversations, newest first."""
    rows = await conn.fetch(Q["list_conversations"], account_id, max_id, since_id, min_id, limit)
    found = [ConversationRef(**dict(r)) for r in rows]
    return list(reversed(found)) if min_id is not None else found


async def list_conversation_participants(conn: Conn, *,
                                         conversation_ids: list[int]) -> list[tuple[int, int]]:
    rows = await conn.fetch(Q["list_conversation_participants"], conversation_ids)
    return [(r["conversation_id"], r["account_id"]) for r in rows]


async def get_conversation_of(conn: Conn, *, status_id: int) -> int | None:
    found = await conn.fetchval(Q["get_conversation_of"], status_id)
    return int(found) if found is not None else None
