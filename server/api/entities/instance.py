"""Instance (v1 and v2), Rule, Preferences and the weekly activity report.

The limits shown are the ones the server enforces, taken from the modules that enforce them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from server.api.queries import InstanceStats, Preferences, Rule, WeekActivity
from server.config import Config
from server.media import images
from server.media.defaults import ICON_SIZES, THUMBNAIL_PATH, icon_path
from server.statuses import compose

MASTODON_VERSION = "4.3.0"
COMMONHOLD_VERSION = "0.1.0"
# Clients read the leading Mastodon version to decide which features to use.
VERSION = f"{MASTODON_VERSION} (compatible; Commonhold {COMMONHOLD_VERSION})"
API_VERSIONS = {"mastodon": 2}   # what Mastodon 4.3.0 reports
MAX_FEATURED_TAGS = 10
MAX_PINNED_STATUSES = 5
DISPLAY_NAME_MAX = 30
NOTE_MAX = 500
FIELDS_MAX = 4
FIELD_MAX = 255
DESCRIPTION_MAX = 1500
# Video and audio are not accepted yet; these are the limits they will have.
VIDEO_SIZE_LIMIT = 99 * 1024 * 1024
VIDEO_MATRIX_LIMIT = 8_294_400
VIDEO_FRAME_RATE_LIMIT = 120
LANGUAGES = ["en"]
CLOSED_MESSAGE = "Registrations are closed on this instance."


def _statuses() -> dict[str, int]:
    return {"max_characters": compose.MAX_CHARS, "max_media_attachments": compose.MAX_MEDIA,
            "characters_reserved_per_url": compose.URL_WEIGHT}


def _media() -> dict[str, Any]:
    return {"supported_mime_types": list(images.SUPPORTED_MIME_TYPES),
            "image_size_limit": images.IMAGE_SIZE_LIMIT,
            "image_matrix_limit": images.IMAGE_MATRIX_LIMIT,
            "video_size_limit": VIDEO_SIZE_LIMIT,
            "video_frame_rate_limit": VIDEO_FRAME_RATE_LIMIT,
            "video_matrix_limit": VIDEO_MATRIX_LIMIT}


def _polls() -> dict[str, int]:
    return {"max_options": compose.POLL_MAX_OPTIONS,
            "max_characters_per_option": compose.POLL_MAX_OPTION_CHARS,
            "min_expiration": int(compose.POLL_MIN_EXPIRY.total_seconds()),
            "max_expiration": int(compose.POLL_MAX_EXPIRY.total_seconds())}


def _streaming_url(config: Config) -> str:
    base = config.base_url
    return "ws" + base[len("http"):] if base.startswith("http") else base


def to_mastodon_rule(rule: Rule) -> dict[str, Any]:
    return {"id": str(rule.id), "text": rule.text, "hint": rule.hint}


def instance_v1(config: Config, *, stats: InstanceStats, rules: list[Rule],
                contact_account: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "uri": config.domain,
        "title": config.instance_name,
        "short_description": config.instance_description,
        "description": config.instance_description,
        "email": config.contact_email,
        "version": VERSION,
        "urls": {"streaming_api": _streaming_url(config)},
        "stats": {"user_count": stats.user_count, "status_count": stats.status_count,
                  "domain_count": stats.domain_count},
        "thumbnail": config.url(THUMBNAIL_PATH),
        "languages": LANGUAGES,
        "registrations": config.registrations != "closed",
        "approval_required": config.registrations == "approval",
        "invites_enabled": False,
        "configuration": {
            "accounts": {"max_featured_tags": MAX_FEATURED_TAGS},
            "statuses": _statuses(),
            "media_attachments": _media(),
            "polls": _polls(),
        },
        "contact_account": contact_account,
        "rules": [to_mastodon_rule(r) for r in rules],
    }


def instance_v2(config: Config, *, stats: InstanceStats, rules: list[Rule],
                contact_account: dict[str, Any] | None, vapid_key: str = "") -> dict[str, Any]:
    closed = config.registrations == "closed"
    return {
        "domain": config.domain,
        "title": config.instance_name,
        "version": VERSION,
        "source_url": config.source_url or config.url("/"),
        "description": config.instance_description,
        "usage": {"users": {"active_month": stats.active_month}},
        "thumbnail": {"url": config.url(THUMBNAIL_PATH)},
        "icon": [{"src": config.url(icon_path(s)), "size": f"{s}x{s}"} for s in ICON_SIZES],
        "languages": LANGUAGES,
        "configuration": {
            # The terms of service are the charter (its page also says when none is in force).
            "urls": {"streaming": _streaming_url(config), "status": None,
                     "about": config.url("/"), "privacy_policy": config.url("/privacy-policy"),
                     "terms_of_service": config.url("/charter")},
            "vapid": {"public_key": vapid_key},
            "accounts": {"max_featured_tags": MAX_FEATURED_TAGS,
                         "max_pinned_statuses": MAX_PINNED_STATUSES,
                         "max_display_name_length": DISPLAY_NAME_MAX,
                         "max_note_length": NOTE_MAX, "max_profile_fields": FIELDS_MAX,
                         "profile_field_name_limit": FIELD_MAX,
                         "profile_field_value_limit": FIELD_MAX},
            "statuses": _statuses(),
            "media_attachments": {**_media(), "description_limit": DESCRIPTION_MAX},
            "polls": _polls(),
            "translation": {"enabled": False},
        },
        "registrations": {"enabled": not closed,
                          "approval_required": config.registrations == "approval",
                          "reason_required": config.registrations == "approval",
                          "message": CLOSED_MESSAGE if closed else None,
                          "min_age": None, "url": None},
        "api_versions": dict(API_VERSIONS),
        "contact": {"email": config.contact_email, "account": contact_account},
        "rules": [to_mastodon_rule(r) for r in rules],
    }


def to_mastodon_activity(weeks: list[WeekActivity]) -> list[dict[str, str]]:
    # Mastodon sends every number here as a string.
    return [{"week": str(int(w.week.timestamp())), "statuses": str(w.statuses),
             "logins": str(w.logins), "registrations": str(w.registrations)} for w in weeks]


def to_mastodon_preferences(prefs: Preferences) -> dict[str, Any]:
    return {"posting:default:visibility": prefs.default_privacy,
            "posting:default:sensitive": prefs.default_sensitive,
            "posting:default:language": prefs.default_language,
            "posting:default:quote_policy": prefs.default_quote_policy,
            "reading:expand:media": "default",
            "reading:expand:spoilers": False,
            "reading:autoplay:gifs": False}


# How a domain policy adopted by the members reads as Mastodon's DomainBlock severity; the
# media and report rejections have no severity there and are not listed.
SEVERITY = {"suspend": "suspend", "limit": "silence"}


def to_mastodon_domain_blocks(policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One DomainBlock per domain from the policies in force: its strictest severity, and a
    comment giving each reason with the charter clause it enforces."""
    by_domain: dict[str, list[dict[str, Any]]] = {}
    for policy in policies:
        by_domain.setdefault(policy["domain"].lower(), []).append(policy)
    out = []
    for domain, found in by_domain.items():
        if not any(p["policy"] in SEVERITY for p in found):
            continue
        severity = "suspend" if any(p["policy"] == "suspend" for p in found) else "silence"
        out.append({
            "domain": domain,
            "digest": hashlib.sha256(domain.encode()).hexdigest(),
            "severity": severity,
            "comment": "; ".join(f"{p['reason']} ({p['clause']})" for p in found),
        })
    return out
