"""Editing a local profile: display name, bio, profile fields, avatar and header, account
flags and posting defaults.

A bio and field values are written as plain text and published as HTML (paragraphs, links,
mentions and hashtags, as Mastodon renders them); both are kept, so the author edits what they
wrote and readers get what federation publishes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from server import events
from server.accounts import queries as accounts_q
from server.config import Config
from server.db import Conn, Database
from server.errors import NotFoundError, ValidationError
from server.media import storage
from server.media.images import ProcessedImage
from server.profiles import queries
from server.profiles.queries import Profile
from server.statuses import quote_policy, text
from server.statuses.urls import tag_url

DISPLAY_NAME_MAX = 30
NOTE_MAX = 500
FIELDS_MAX = 4
FIELD_MAX = 255
PRIVACIES = ("public", "unlisted", "private")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_MENTIONS_LINKED = 10


@dataclass(frozen=True)
class ProfileChanges:
    """What a request asks to change; None leaves a value as it is."""

    display_name: str | None = None
    note: str | None = None
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None
    indexable: bool | None = None
    hide_collections: bool | None = None
    fields: list[tuple[str, str]] | None = None
    privacy: str | None = None
    sensitive: bool | None = None
    language: str | None = None      # "" clears it
    quote_policy: str | None = None  # public, followers or nobody: who may quote new posts
    avatar: ProcessedImage | None = None
    header: ProcessedImage | None = None
    cleared: tuple[str, ...] = ()    # "avatar" and/or "header" go back to the default


def check_changes(changes: ProfileChanges) -> ProfileChanges:
    """Refuse what Mastodon refuses, with a message naming the field; trims fields."""
    c = changes
    if c.quote_policy is not None:
        quote_policy.chosen(c.quote_policy, field="source[quote_policy]")
    if c.display_name is not None and len(c.display_name) > DISPLAY_NAME_MAX:
        raise ValidationError("Validation failed: Display name is too long (maximum is "
                              f"{DISPLAY_NAME_MAX} characters)", field="display_name")
    if c.note is not None and len(c.note) > NOTE_MAX:
        raise ValidationError(f"Validation failed: Note is too long (maximum is {NOTE_MAX} "
                              "characters)", field="note")
    fields = None
    if c.fields is not None:
        fields = [(n.strip(), v.strip()) for n, v in c.fields if n.strip() or v.strip()]
        if len(fields) > FIELDS_MAX:
            raise ValidationError(f"Validation failed: Fields can have at most {FIELDS_MAX} "
                                  "entries", field="fields_attributes")
        if any(len(n) > FIELD_MAX or len(v) > FIELD_MAX for n, v in fields):
            raise ValidationError("Validation failed: Fields names and values can be at most "
                                  f"{FIELD_MAX} characters", field="fields_attributes")
    if c.privacy is not None and c.privacy not in PRIVACIES:
        raise ValidationError("Validation failed: Default privacy must be public, unlisted or "
                              "private", field="source[privacy]")
    if c.language and not _LANGUAGE.match(c.language):
        raise ValidationError("Validation failed: Default language is not a language code",
                              field="source[language]")
    return replace(c, fields=fields)


async def _mention_targets(conn: Conn, config: Config, source: str) -> dict[str, text.LinkTarget]:
    refs = text.extract_mentions(source, local_domain=config.domain)[:_MENTIONS_LINKED]
    targets = {}
    for ref in refs:
        account = await accounts_q.find_account_by_acct(conn, username=ref.username,
                                                         domain=ref.domain)
        if account is not None:
            url = account.url or account.uri
            targets[ref.acct.lower()] = text.LinkTarget(url=url, username=account.username)
    return targets


async def render_bio(conn: Conn, config: Config, source: str) -> str:
    mentions = await _mention_targets(conn, config, source)
    return text.format_text(source, mentions=mentions, tag_url=lambda n: tag_url(config, n))


def render_field_value(config: Config, value: str) -> str:
    html = text.format_text(" ".join(value.split()), mentions={},
                            tag_url=lambda n: tag_url(config, n))
    return html[3:-4] if html.startswith("<p>") and html.endswith("</p>") else html


async def _apply(conn: Conn, config: Config, profile: Profile, c: ProfileChanges,
                 new_paths: dict[str, str]) -> Profile:
    p = profile
    if c.display_name is not None:
        p = replace(p, display_name=c.display_name.strip())
    if c.note is not None:
        p = replace(p, note_source=c.note, note=await render_bio(conn, config, c.note))
    if c.fields is not None:
        p = replace(p, fields_source=[{"name": n, "value": v} for n, v in c.fields],
                    fields=[{"name": n, "value": render_field_value(config, v),
                             "verified_at": None} for n, v in c.fields])
    flags: dict[str, Any] = {k: getattr(c, k) for k in
                             ("locked", "bot", "discoverable", "indexable", "hide_collections")
                             if getattr(c, k) is not None}
    if c.privacy is not None:
        flags["default_privacy"] = c.privacy
    if c.sensitive is not None:
        flags["default_sensitive"] = c.sensitive
    if c.language is not None:
        flags["default_language"] = c.language or None
    if c.quote_policy is not None:
        flags["default_quote_policy"] = c.quote_policy
    for kind in ("avatar", "header"):
        if kind in new_paths:
            flags[f"{kind}_path"] = new_paths[kind]
        elif kind in c.cleared:
            flags[f"{kind}_path"] = None
    return replace(p, **flags)


async def update_credentials(db: Database, *, config: Config, account_id: int,
                             changes: ProfileChanges, now: datetime) -> None:
    """Apply `changes` to a local profile. This owns its transaction because the new image
    files must exist before the row points at them, must go again if the row is not changed,
    and the replaced files may go only once the change is committed."""
    c = check_changes(changes)
    new_paths: dict[str, str] = {}
    committed = False
    try:
        for kind, image in (("avatar", c.avatar), ("header", c.header)):
            if image is not None:
                new_paths[kind] = await storage.store(config, f"accounts/{kind}s", image.data,
                                                      image.extension)
        async with db.transaction() as conn:
            profile = await queries.get_profile_for_update(conn, account_id=account_id)
            if profile is None:
                raise NotFoundError("Record not found")
            updated = await _apply(conn, config, profile, c, new_paths)
            await queries.update_account_profile(conn, updated, now=now)
            await queries.update_user_settings(conn, updated)
            await events.emit(conn, "account.updated", {"account_id": account_id}, now=now)
        committed = True
    finally:
        if not committed:
            for path in new_paths.values():
                await storage.remove(config, path)
    for kind in {*new_paths, *c.cleared}:
        await storage.remove(config, getattr(profile, f"{kind}_path"))
