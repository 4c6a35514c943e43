"""What the reading pages show, as plain async functions over a connection: the same id
queries, visibility checks and status entities as the client API's timelines, context and
notifications, so a page never shows a status the API would hide from the same viewer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.accounts.queries import Account
from server.api.entities.notifications import render_notifications
from server.api.statusviews import queries as views_q
from server.api.statusviews.context import context_ids
from server.config import Config
from server.db import Conn
from server.errors import NotFoundError
from server.lists import queries as lists_q
from server.notifications import queries as notifications_q
from server.statuses import service as statuses
from server.timeline import queries as timeline_q
from server.web.social.quoting import render_with_quotes

PAGE = 20
NOTIFICATIONS_PAGE = 30
ANCESTORS = 40
DESCENDANTS = 400   # a page, not an API answer: a longer thread is cut (the API has it all)


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    older: int | None   # the max_id of the next page, when this one was full


def _older(ids: list[int], limit: int) -> int | None:
    return ids[-1] if len(ids) >= limit and ids else None


async def home(conn: Conn, *, config: Config, viewer_id: int, max_id: int | None,
               now: datetime) -> Page:
    ids = await timeline_q.list_home_timeline(conn, account_id=viewer_id, max_id=max_id,
                                              since_id=None, min_id=None, limit=PAGE, now=now)
    items = await render_with_quotes(conn, config, ids, viewer_id=viewer_id, now=now,
                                  filter_context="home")
    return Page(items, _older(ids, PAGE))


async def _public_list(conn: Conn, config: Config, ids: list[int], viewer_id: int | None,
                       now: datetime, filter_context: str = "public") -> Page:
    # As the API's public lists: blocked and muted authors are dropped after the page is
    # cut, so the next page starts below the last id read, shown or not.
    keep = await views_q.filter_visible(conn, status_ids=ids, viewer_id=viewer_id,
                                        hide_muted=viewer_id is not None, now=now)
    items = await render_with_quotes(conn, config, [i for i in ids if i in keep],
                                  viewer_id=viewer_id, now=now, filter_context=filter_context)
    return Page(items, _older(ids, PAGE))


async def list_timeline(conn: Conn, *, config: Config, viewer_id: int, list_id: int,
                        max_id: int | None, now: datetime) -> Page:
    """One of the viewer's lists (the caller checked it is theirs), with the filters of the
    home timeline, as Mastodon reads lists."""
    ids = await lists_q.list_timeline(conn, list_id=list_id, owner_id=viewer_id, max_id=max_id,
                                      since_id=None, min_id=None, limit=PAGE, now=now)
    return await _public_list(conn, config, ids, viewer_id, now, filter_context="home")


async def public(conn: Conn, *, config: Config, viewer_id: int | None, local_only: bool,
                 max_id: int | None, now: datetime) -> Page:
    ids = await timeline_q.list_public_timeline(conn, local_only=local_only, remote_only=False,
                                                only_media=False, max_id=max_id, since_id=None,
                                                min_id=None, limit=PAGE)
    return await _public_list(conn, config, ids, viewer_id, now)


async def tag(conn: Conn, *, config: Config, viewer_id: int | None, name: str,
              max_id: int | None, now: datetime) -> Page:
    ids = await timeline_q.list_tag_timeline(conn, any_=[name], all_=[], none=[],
                                             local_only=False, only_media=False, max_id=max_id,
                                             since_id=None, min_id=None, limit=PAGE)
    return await _public_list(conn, config, ids, viewer_id, now)


async def account_statuses(conn: Conn, *, config: Config, account_id: int,
                           viewer_id: int | None, max_id: int | None, now: datetime) -> Page:
    ids = await timeline_q.list_account_statuses(
        conn, account_id=account_id, viewer_id=viewer_id, only_media=False,
        exclude_replies=False, exclude_reblogs=False, pinned=False, tagged=None,
        max_id=max_id, since_id=None, min_id=None, limit=PAGE)
    keep = await views_q.filter_visible(conn, status_ids=ids, viewer_id=viewer_id,
                                        hide_muted=False, now=now)
    items = await render_with_quotes(conn, config, [i for i in ids if i in keep],
                                  viewer_id=viewer_id, now=now, filter_context="account")
    return Page(items, _older(ids, PAGE))


@dataclass(frozen=True)
class Thread:
    status: dict[str, Any]
    ancestors: list[dict[str, Any]]
    descendants: list[dict[str, Any]]


async def thread(conn: Conn, *, config: Config, viewer: Account | None, status_id: int,
                 now: datetime) -> Thread:
    """A status with its ancestors and replies, as the API's context gives them; 404
    (NotFoundError) when the viewer may not see the status."""
    viewer_id = viewer.id if viewer else None
    found = await statuses.access_status_for_viewing(conn, status_id=status_id, viewer=viewer)
    ancestors, descendants = await context_ids(conn, status_id=found.id, viewer_id=viewer_id,
                                               now=now, ancestors=ANCESTORS,
                                               descendants=DESCENDANTS)
    rendered = await render_with_quotes(conn, config, ancestors + [found.id] + descendants,
                                     viewer_id=viewer_id, now=now, known={found.id: found})
    by_id = {int(s["id"]): s for s in rendered}
    if found.id not in by_id:   # an author gone since: nothing to show
        raise NotFoundError("Record not found")
    before = [by_id[i] for i in ancestors if i in by_id]
    after = [by_id[i] for i in descendants if i in by_id]
    return Thread(by_id[found.id], before, after)


async def notifications(conn: Conn, *, config: Config, viewer_id: int, max_id: int | None,
                        now: datetime) -> Page:
    rows = await notifications_q.list_notifications(
        conn, account_id=viewer_id, types=None, exclude_types=[], from_account_id=None,
        max_id=max_id, since_id=None, min_id=None, limit=NOTIFICATIONS_PAGE)
    items = await render_notifications(conn, config, rows, viewer_id=viewer_id, now=now)
    return Page(items, _older([r["id"] for r in rows], NOTIFICATIONS_PAGE))
