"""Status entities, shaped as Mastodon 4.3's REST::StatusSerializer shapes them.

`render_statuses` renders a whole page for one viewer with a fixed number of queries,
whatever the page size: statuses (and boosted originals), accounts, then one query for what
they embed and what the viewer did with them (media, mentions, tags, favourited, boosted,
bookmarked, pinned, muted); polls and applications only when a status has one. What every
viewer sees alike comes from status_shared's part, built once per version of a status;
counters, the viewer's flags, the account, the boosted status and the poll are filled in
per request. A page its caller encodes at once is made of JSON pieces joined (no dict is
built for a status, and the encoder copies them as they are); other callers get dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from orjson import Fragment

from server.api.entities.accounts import (
    account_json,
    entities_from_views,
    with_moved,
)
from server.api.entities.common import iso
from server.api.entities.quote_approval import depends_on_reader, relate
from server.api.entities.quotes import attach_quotes
from server.api.entities.status_parts import to_mastodon_poll
from server.api.entities.status_shared import Embeds, entity_json, shared_part
from server.api.queries import AccountView
from server.api.statusviews import queries as views_q
from server.cards.render import attach_cards
from server.config import Config
from server.db import Conn
from server.filters import matcher
from server.filters import service as filters_service
from server.jsonio import dumpb, loads
from server.statuses import quote_policy
from server.statuses.queries import Status
from server.statuses.text import plain_text

PINNABLE = ("public", "unlisted", "private")


@dataclass
class _Loaded:
    config: Config
    statuses: dict[int, Status]
    views: dict[int, AccountView]   # the authors, and the accounts they moved to
    embeds: dict[int, Embeds]
    polls: dict[int, dict[str, Any]]
    flags: dict[int, dict[str, bool]]
    applications: dict[int, dict[str, Any]]
    with_cards: bool   # whether any of the statuses links a preview card
    quoting: set[int]   # the statuses that quote another (entities.quotes fills their `quote`)
    # Account entities made for this request, one per author (a page repeats its authors).
    _dicts: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    _json: dict[int, bytes | None] = field(default_factory=dict)

    def account(self, account_id: int) -> dict[str, Any] | None:
        """The author's entity as a dict, shared by the statuses of this request only."""
        if account_id not in self._dicts:
            view = self.views.get(account_id)
            if view is None or view.moved_to_account_id is not None:
                found = entities_from_views(self.config, self.views, [account_id])
                self._dicts[account_id] = found.get(account_id)
            else:   # a new dict from the JSON kept in process: cheaper than building it
                self._dicts[account_id] = loads(account_json(view, self.config))
        return self._dicts[account_id]

    def account_json(self, account_id: int) -> bytes | None:
        if account_id not in self._json:
            view = self.views.get(account_id)
            if view is not None and view.moved_to_account_id is None:
                self._json[account_id] = account_json(view, self.config)
            else:
                entity = self.account(account_id)
                self._json[account_id] = None if entity is None else dumpb(entity)
        return self._json[account_id]


async def _load(conn: Conn, config: Config, status_ids: list[int], *, viewer_id: int | None,
                now: datetime, known: dict[int, Status] | None = None,
                loaded: list[views_q.PageRow] | None = None) -> _Loaded:
    rows = dict(known or {})
    views: dict[int, AccountView] = {}
    embeds: dict[int, Embeds] = {}
    flags: dict[int, dict[str, bool]] = {}
    with_poll = []
    applications: dict[int, dict[str, Any]] = {}
    cards = False
    quoting: set[int] = set()
    moved = False   # whether any author moved (the accounts they moved to are then loaded)

    def absorb(page: list[views_q.PageRow]) -> None:
        nonlocal cards, moved
        # Unpacked as the loop goes: every row of every page passes here.
        for (status, author, media, mentions, tags, has_poll, row_flags, application, has_card,
             has_quote) in page:
            status_id = status.id
            rows.setdefault(status_id, status)   # a status the caller holds wins
            views.setdefault(author.id, author)
            if author.moved_to_account_id is not None:
                moved = True
            if media or mentions or tags:   # turned into entities when not cached
                embeds[status_id] = (media, mentions, tags)
            if has_poll:
                with_poll.append(status_id)
            if has_card:
                cards = True
            if has_quote:
                quoting.add(status_id)
            if viewer_id is not None:
                flags[status_id] = row_flags
            if application is not None and status.application_id is not None:
                applications[status.application_id] = application

    # One round trip for the statuses, their authors, what they embed and the originals of
    # the boosts among them (the second query below is a safety net and finds nothing in
    # practice); polls are rare, so loaded only when present.
    if loaded is not None:   # the caller's query already brought them (list_home_page)
        absorb(loaded)
    else:
        absorb(await views_q.list_page(conn, status_ids=list(dict.fromkeys([*status_ids, *rows])),
                                       viewer_id=viewer_id))
    originals = list({s.reblog_of_id for s in rows.values()
                      if s.reblog_of_id is not None and s.reblog_of_id not in rows})
    if originals:
        absorb(await views_q.list_page(conn, status_ids=originals, viewer_id=viewer_id))
    if moved:
        views = await with_moved(conn, views)
    polls = ({row["status_id"]: to_mastodon_poll(row, viewer_id=viewer_id, now=now)
              for row in await views_q.list_polls_for_statuses(conn, status_ids=with_poll,
                                                                viewer_id=viewer_id)}
             if with_poll else {})
    return _Loaded(config, rows, views, embeds, polls, flags, applications, cards, quoting)


def _entity(status: Status, data: _Loaded, *, viewer_id: int | None,
            with_source: bool = False) -> dict[str, Any] | None:
    """The entity as a new dict (the account in it is shared by this request's statuses)."""
    account = data.account(status.account_id)
    if account is None:
        return None
    reblog = None
    if status.reblog_of_id is not None:
        original = data.statuses.get(status.reblog_of_id)
        reblog = _entity(original, data, viewer_id=viewer_id) if original else None
        if reblog is None:
            return None
    entity = _compose(status, data, viewer_id=viewer_id)
    entity["reblog"] = reblog
    entity["account"] = account
    if data.polls:
        entity["poll"] = data.polls.get(status.id)
    if with_source:
        entity["text"] = status.text_source if status.text_source is not None else ""
    return entity


def _compose(status: Status, data: _Loaded, *, viewer_id: int | None) -> dict[str, Any]:
    part = shared_part(status, data.embeds.get(status.id), data.config)
    flags = data.flags.get(status.id, {}) if viewer_id is not None else None
    if viewer_id is not None and status.account_id == viewer_id:
        # The author's own status may show `pinned` and `application`, keys others do not see.
        own = status.reblog_of_id is None and status.visibility in PINNABLE
        assert flags is not None
        return part.compose(status, viewer=True, flags=flags,
                            pinned=flags.get("pinned", False) if own else None,
                            application=data.applications.get(status.application_id or 0),
                            with_application=status.application_id is not None, author=True)
    return part.compose(status, viewer=viewer_id is not None, flags=flags)


def _entity_json(status: Status, data: _Loaded, *, viewer_id: int | None) -> bytes | None:
    """The entity as JSON, for a page without cards, polls, filters or source text: what is
    shared comes as kept in process, and no dict is made unless the viewer wrote it."""
    # Runs for every status of every page encoded at once: the usual case (an author who has
    # not moved, a shared part kept for this very row) is looked up inline. (A page's authors
    # are mostly distinct: the author's JSON comes from accounts' cache, not this request's.)
    account_id = status.account_id
    view = data.views.get(account_id)
    if view is not None and view.moved_to_account_id is None:
        account = account_json(view, data.config)
    else:
        account = data.account_json(account_id)
        if account is None:
            return None
    reblog = None
    if status.reblog_of_id is not None:
        original = data.statuses.get(status.reblog_of_id)
        reblog = _entity_json(original, data, viewer_id=viewer_id) if original else None
        if reblog is None:
            return None
    if viewer_id is not None and status.account_id == viewer_id:
        entity = _compose(status, data, viewer_id=viewer_id)
        entity["reblog"] = None if reblog is None else Fragment(reblog)
        entity["account"] = Fragment(account)
        return dumpb(entity)
    return entity_json(status, data.embeds.get(status.id), data.config,
                       viewer=viewer_id is not None,
                       flags=data.flags.get(status.id) if viewer_id is not None else None,
                       reblog=reblog, account=account)


async def render_statuses(conn: Conn, config: Config, status_ids: list[int], *,
                          viewer_id: int | None, now: datetime,
                          known: dict[int, Status] | None = None,
                          with_source: bool = False,
                          filter_context: str | None = None,
                          loaded: list[views_q.PageRow] | None = None,
                          serialised_at_once: bool = False,
                          shallow_quotes: bool = False) -> list[dict[str, Any]]:
    """Entities for these ids, in their order; ids that no longer resolve are left out.
    Callers decide visibility before (timeline queries, filter_visible). With a
    `filter_context` (home, public, account, thread, notifications) the viewer's filters
    apply: matches are listed in `filtered`, and a `hide` match leaves the status out.
    `loaded`: list_page rows for these ids (and the originals they boost) the caller
    already holds, for this viewer. `serialised_at_once`: the caller only encodes the
    list (with orjson), so its items may be JSON fragments instead of dicts. `shallow_quotes`:
    what the statuses quote is named, not shown (they are themselves shown quoted)."""
    if not status_ids:
        return []
    data = await _load(conn, config, status_ids, viewer_id=viewer_id, now=now, known=known,
                       loaded=loaded)
    filters = (await filters_service.active_filters(conn, account_id=viewer_id, now=now)
               if filter_context is not None and viewer_id is not None else [])
    # Posts whose quote policy this reader's relations decide (entities.quote_approval).
    related = viewer_id is not None and any(
        depends_on_reader(s, viewer_id) for s in data.statuses.values())
    # As JSON when nothing on the page adds to an entity afterwards (a card, a poll, filter
    # results, the source text, such a policy): the list then holds orjson fragments, which
    # only an encoder reads.
    if (serialised_at_once and not filters and not data.with_cards and not data.polls
            and not data.quoting and not with_source and not related):
        fragments: list[Any] = []
        for status_id in status_ids:
            status = data.statuses.get(status_id)
            encoded = _entity_json(status, data, viewer_id=viewer_id) if status else None
            if encoded is not None:
                fragments.append(Fragment(encoded))
        return fragments
    out = []
    for status_id in status_ids:
        status = data.statuses.get(status_id)
        entity = (_entity(status, data, viewer_id=viewer_id, with_source=with_source)
                  if status else None)
        if entity is None:
            continue
        if filters and filter_context is not None:
            results = _filter_results(entity, filters, filter_context, now)
            if any(r.filter.filter_action == "hide" for r in results):
                continue
            entity["filtered"] = [to_mastodon_filter_result(r) for r in results]
        out.append(entity)
    if related:
        assert viewer_id is not None
        await relate(conn, out, data.statuses, viewer_id=viewer_id)
    if data.with_cards:   # after the entities: a card is never cached with them
        await attach_cards(conn, config, out)
    if data.quoting:   # likewise what they quote, which depends on the reader
        await attach_quotes(conn, config, out, viewer_id=viewer_id, now=now,
                            render=render_statuses, shallow=shallow_quotes)
    return out


def _filter_results(entity: dict[str, Any], filters: list[matcher.Filter], context: str,
                    now: datetime) -> list[matcher.FilterResult]:
    """A boost is judged by what it boosts, as the reader sees that."""
    shown = entity["reblog"] or entity
    text = matcher.searchable_text(
        shown["spoiler_text"], plain_text(shown["content"]),
        extra=[m.get("description") or "" for m in shown["media_attachments"]]
        + [o["title"] for o in (shown["poll"] or {}).get("options", [])])
    return matcher.match(text, filters, context, status_id=int(shown["id"]), now=now)


def to_mastodon_filter_result(result: matcher.FilterResult) -> dict[str, Any]:
    f = result.filter
    return {"filter": {"id": str(f.id), "title": f.title, "context": list(f.context),
                       "expires_at": iso(f.expires_at) if f.expires_at else None,
                       "filter_action": f.filter_action},
            "keyword_matches": result.keyword_matches,
            "status_matches": result.status_matches}


async def render_status_for_viewers(conn: Conn, config: Config, status_id: int, *,
                                    viewer_ids: list[int],
                                    now: datetime) -> dict[int, dict[str, Any]]:
    """One status as each of many viewers sees it (a stream update reaching every follower),
    for those who may see it: the status, its accounts and what it embeds are loaded once,
    the visibility check and the viewers' own flags are one query each, and only the
    per-viewer entity is built per viewer. A status with a poll (whose entity holds the
    viewer's own votes), a quote (whose state depends on the viewer) or a quote policy for
    followers or followed accounts is rendered viewer by viewer."""
    visible = await views_q.filter_visible_for_viewers(conn, status_id=status_id,
                                                       viewer_ids=viewer_ids, now=now)
    if not visible:
        return {}
    viewers = [v for v in viewer_ids if v in visible]
    data = await _load(conn, config, [status_id], viewer_id=None, now=now)
    status = data.statuses.get(status_id)
    if status is None:
        return {}
    out: dict[int, dict[str, Any]] = {}
    if data.polls or data.quoting or any(   # a poll's votes, a quote's state, a quote
            quote_policy.depends_on_relations(s.quote_policy)   # policy: the viewer's own
            for s in data.statuses.values()):
        for viewer in viewers:
            rendered = await render_statuses(conn, config, [status_id], viewer_id=viewer, now=now)
            if rendered:
                out[viewer] = rendered[0]
        return out
    flags = await views_q.list_viewer_flags_for_viewers(conn, status_ids=list(data.statuses),
                                                        viewer_ids=viewers)
    # What differs between viewers is their flags and, for the authors (of the status and of
    # what it boosts), `pinned` and `application`: everyone else sees the same entity, built
    # once and shared.
    authors = {s.account_id for s in data.statuses.values()}
    plain: dict[str, Any] | None = None
    for viewer in viewers:
        if viewer in flags or viewer in authors:
            entity = _entity(status, replace(data, flags=flags.get(viewer, {})), viewer_id=viewer)
        else:
            if plain is None:
                plain = _entity(status, data, viewer_id=viewer)
            entity = plain
        if entity is not None:
            out[viewer] = entity
    if data.with_cards:   # after the entities, as in render_statuses
        await attach_cards(conn, config, out.values())
    return out


async def render_status(conn: Conn, config: Config, status: Status, *, viewer_id: int | None,
                        now: datetime, with_source: bool = False) -> dict[str, Any]:
    rendered = await render_statuses(conn, config, [status.id], viewer_id=viewer_id, now=now,
                                     known={status.id: status}, with_source=with_source)
    if not rendered:
        raise LookupError(f"status {status.id} cannot be rendered")
    return rendered[0]
