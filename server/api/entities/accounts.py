"""Account, CredentialAccount, Role and Relationship entities, shaped as Mastodon 4.3 shapes
them (app/serializers/rest/account_serializer.rb and its relatives).

`to_mastodon_account` is pure; `render_accounts` loads what it needs for many accounts at once
and is what other areas (statuses, notifications, search) call to embed accounts.
"""

from __future__ import annotations

from dataclasses import fields
from functools import lru_cache
from operator import attrgetter
from typing import Any

from server.api import queries
from server.api.entities.cache import BoundedCache, exact
from server.api.entities.common import iso, iso_date, midnight
from server.api.queries import AccountSource, AccountView, RelationshipRow
from server.config import Config
from server.db import Conn
from server.jsonio import dumpb
from server.media.defaults import MISSING_AVATAR_PATH, MISSING_HEADER_PATH
from server.media.storage import public_url

# Mastodon's permission bits (UserRole::FLAGS), for clients that show staff tools.
_ADMINISTRATOR = 1 << 0
_MODERATOR = (1 << 2) | (1 << 3) | (1 << 4) | (1 << 8) | (1 << 9) | (1 << 10)
_ROLES: dict[str, dict[str, Any]] = {
    "user": {"id": "-99", "name": "", "permissions": "0", "color": "", "highlighted": False},
    "moderator": {"id": "1", "name": "Moderator", "permissions": str(_MODERATOR), "color": "",
                  "highlighted": True},
    "admin": {"id": "2", "name": "Admin", "permissions": str(_ADMINISTRATOR), "color": "",
              "highlighted": True},
}


def acct(view: AccountView) -> str:
    return view.username if view.domain is None else f"{view.username}@{view.domain}"


def profile_url(config: Config, view: AccountView) -> str:
    if view.local:
        return config.url(f"/@{view.username}")
    return view.url or view.uri


@lru_cache(maxsize=64)
def _missing_url(base_url: str, missing: str) -> str:
    # Most accounts have no picture: the same two URLs, built once instead of twice a status.
    return base_url.rstrip("/") + missing


def _picture(config: Config, path: str | None, remote: str | None, missing: str,
             suspended: bool) -> str:
    if path and not suspended:
        return public_url(config, path)
    if remote and not suspended:
        return remote
    return _missing_url(config.base_url, missing)


def avatar_url(config: Config, view: AccountView) -> str:
    return _picture(config, view.avatar_path, view.avatar_url, MISSING_AVATAR_PATH,
                    view.suspended_at is not None)


def header_url(config: Config, view: AccountView) -> str:
    return _picture(config, view.header_path, view.header_url, MISSING_HEADER_PATH,
                    view.suspended_at is not None)


def _fields(view: AccountView) -> list[dict[str, Any]]:
    return [{"name": str(f.get("name", "")), "value": str(f.get("value", "")),
             "verified_at": f.get("verified_at")} for f in view.fields]


def to_mastodon_account(view: AccountView, config: Config, *,
                        moved: dict[str, Any] | None = None) -> dict[str, Any]:
    suspended = view.suspended_at is not None
    avatar = avatar_url(config, view)
    header = header_url(config, view)
    entity: dict[str, Any] = {
        "id": str(view.id),
        "username": view.username,
        "acct": acct(view),
        "display_name": "" if suspended else view.display_name,
        "locked": False if suspended else view.locked,
        "bot": False if suspended else (view.bot or view.actor_type in ("Application", "Service")),
        "discoverable": False if suspended else view.discoverable,
        "indexable": False if suspended else view.indexable,
        "group": view.actor_type == "Group",
        "created_at": midnight(view.created_at),
        "note": "" if suspended else view.note,
        "url": profile_url(config, view),
        "uri": view.uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": view.followers_count,
        "following_count": view.following_count,
        "statuses_count": view.statuses_count,
        "last_status_at": iso_date(view.last_status_at),
        "hide_collections": view.hide_collections,
        "emojis": [],   # no custom emoji exist on Commonhold yet
        "fields": [] if suspended else _fields(view),
    }
    if moved is not None and not suspended:
        entity["moved"] = moved
    if suspended:
        entity["suspended"] = True
    if view.local:
        entity["noindex"] = False
        role = _ROLES.get(view.role or "user", _ROLES["user"])
        entity["roles"] = ([{"id": role["id"], "name": role["name"], "color": role["color"]}]
                           if role["highlighted"] else [])
    return entity


def role_entity(role: str | None) -> dict[str, Any]:
    return dict(_ROLES.get(role or "user", _ROLES["user"]))


def to_mastodon_credential_account(view: AccountView, source: AccountSource,
                                   config: Config) -> dict[str, Any]:
    entity = to_mastodon_account(view, config)
    entity["source"] = {
        "privacy": source.default_privacy,
        "sensitive": source.default_sensitive,
        "language": source.default_language,
        "note": source.note_source if source.note_source is not None else "",
        "fields": [{"name": f.get("name", ""), "value": f.get("value", ""),
                    "verified_at": None} for f in source.fields_source or []],
        "follow_requests_count": source.follow_requests_count,
        "hide_collections": source.hide_collections,
        "discoverable": source.discoverable,
        "indexable": source.indexable,
        "quote_policy": source.default_quote_policy,
    }
    entity["role"] = role_entity(view.role)
    return entity


def to_mastodon_relationship(row: RelationshipRow) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "following": row.following,
        "showing_reblogs": row.showing_reblogs,
        "notifying": row.notifying,
        "languages": row.languages,
        "followed_by": row.followed_by,
        "blocking": row.blocking,
        "blocked_by": row.blocked_by,
        "muting": row.muting,
        "muting_notifications": row.muting_notifications,
        "muting_expires_at": iso(row.muting_expires_at),
        "requested": row.requested,
        "requested_by": row.requested_by,
        "domain_blocking": row.domain_blocking,
        "endorsed": row.endorsed,
        "note": row.note,
    }


async def render_accounts(conn: Conn, config: Config,
                          account_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Account entities for these ids (unknown ids are left out), with `moved` filled in."""
    views = await queries.list_account_views(conn, account_ids=list(set(account_ids)))
    return await entities_for_views(conn, config, views, account_ids)


# Account entities of accounts seen lately, as their JSON, for pages encoded at once: one
# entry per account (and site), which keeps the view it was last found for. A hit is the
# same view object (statusviews hands out one per version of a row) or one with equal
# columns; anything else rebuilds the entry, so a changed count replaces it instead of adding
# one. JSON bytes are about a third of the same entity as a dict of Python objects, and
# need no encoding.
_KEY = attrgetter(*(f.name for f in fields(AccountView) if f.name != "fields"))
# What an entry keeps alive (cache.py): its JSON, its tuple, key and slot (ENTRY_BYTES),
# and the view it keeps, whose objects (VIEW_BYTES) and text the page rows cache
# (statusviews) often holds too. Measured with tracemalloc: 1.1 KiB of view and 1.1 KiB of
# entry for the benchmarks' remote accounts (0.8 KiB of JSON).
ENTRY_BYTES = 300
VIEW_BYTES = 880
_VIEW_TEXT = attrgetter("username", "domain", "display_name", "note", "uri", "url",
                        "actor_type", "avatar_url", "header_url", "avatar_path", "header_path")
# Sized for W6's working set (~390 authors on the first and second home pages of dataset
# S's 200 users, ~2.2 KiB each), kept even after a shrink to three quarters; no larger.
SEEN_MAX = 1024
SEEN_MAX_BYTES = 5 << 18   # 1.25 MiB


def _weigh(entry: tuple[AccountView, bytes]) -> int:
    view = entry[0]
    return (ENTRY_BYTES + VIEW_BYTES + len(entry[1])
            + sum(len(text) for text in _VIEW_TEXT(view) if text is not None)
            + (len(dumpb(view.fields)) * 3 if view.fields else 0))   # dicts: ~3x their JSON


_SEEN: BoundedCache[tuple[str, int], tuple[AccountView, bytes]] = BoundedCache(
    SEEN_MAX, "account_entities", max_bytes=SEEN_MAX_BYTES, weigh=_weigh)


def _same_columns(a: AccountView, b: AccountView) -> bool:
    # Profile fields are a list of dicts: compared as their JSON (== would take 1 for True).
    return _KEY(a) == _KEY(b) and (a.fields is b.fields or dumpb(a.fields) == dumpb(b.fields))


def account_json(view: AccountView, config: Config) -> bytes:
    """The entity of an account that has not moved, as JSON (kept for the next page)."""
    key = (config.base_url, view.id)
    found = _SEEN.get(key)
    if found is not None:
        seen = found[0]
        if seen is view:
            return found[1]
        if _same_columns(seen, view):
            _SEEN.swap(key, (view, found[1]))   # keep the view statusviews keeps now
            return found[1]
    return _SEEN.put(key, (view, exact(dumpb(to_mastodon_account(view, config)))))[1]


async def with_moved(conn: Conn, views: dict[int, AccountView]) -> dict[int, AccountView]:
    """These views and those of the accounts they moved to (loaded when missing)."""
    moved_ids = [v.moved_to_account_id for v in views.values()
                 if v.moved_to_account_id is not None and v.moved_to_account_id not in views]
    if moved_ids:
        views = views | await queries.list_account_views(conn, account_ids=moved_ids)
    return views


async def entities_for_views(conn: Conn, config: Config, views: dict[int, AccountView],
                             account_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Account entities for these ids from views already loaded (the accounts they moved to
    are loaded here when missing). Each is new: callers may add to them."""
    views = await with_moved(conn, views)
    return entities_from_views(config, views, account_ids)


def entities_from_views(config: Config, views: dict[int, AccountView],
                        account_ids: list[int]) -> dict[int, dict[str, Any]]:
    """entities_for_views once the views include the accounts they moved to."""
    out: dict[int, dict[str, Any]] = {}
    for account_id in account_ids:
        if account_id in out:   # a page repeats its authors: one entity each
            continue
        view = views.get(account_id)
        if view is None:
            continue
        target = views.get(view.moved_to_account_id) if view.moved_to_account_id else None
        moved = to_mastodon_account(target, config) if target is not None else None
        out[account_id] = to_mastodon_account(view, config, moved=moved)
    return out


async def render_account(conn: Conn, config: Config, account_id: int) -> dict[str, Any] | None:
    return (await render_accounts(conn, config, [account_id])).get(account_id)


async def render_credential_account(conn: Conn, config: Config,
                                    account_id: int) -> dict[str, Any] | None:
    views = await queries.list_account_views(conn, account_ids=[account_id])
    source = await queries.get_account_source(conn, account_id=account_id)
    if account_id not in views or source is None:
        return None
    return to_mastodon_credential_account(views[account_id], source, config)
