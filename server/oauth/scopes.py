"""OAuth scopes as Mastodon defines them, and which granted scope covers which required one.

A token carries the scopes its user agreed to. An endpoint names the one granular scope it
needs (`read:statuses`); the token passes when it holds that scope or one that implies it:
`read` covers every `read:*`, `write` every `write:*`, `admin:read` every `admin:read:*`,
and the older `follow` covers reading and changing follows, blocks and mutes.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.errors import CommonholdError

DEFAULT_SCOPES: tuple[str, ...] = ("read",)

_READ = ("accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists", "mutes",
         "notifications", "search", "statuses")
_WRITE = ("accounts", "blocks", "bookmarks", "conversations", "favourites", "filters", "follows",
          "lists", "media", "mutes", "notifications", "reports", "statuses")
_ADMIN = ("accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks",
          "email_domain_blocks", "canonical_email_blocks")

# In the order the authorization server metadata lists them.
ALL_SCOPES: tuple[str, ...] = (
    "read", "write", "follow", "push", "profile",
    *(f"read:{s}" for s in _READ),
    *(f"write:{s}" for s in _WRITE),
    "admin:read", *(f"admin:read:{s}" for s in _ADMIN),
    "admin:write", *(f"admin:write:{s}" for s in _ADMIN),
)
_KNOWN = frozenset(ALL_SCOPES)

FOLLOW_COVERS = frozenset({"read:follows", "write:follows", "read:blocks", "write:blocks",
                           "read:mutes", "write:mutes"})

# What the consent page tells a person each top-level scope allows.
DESCRIPTIONS: dict[str, str] = {
    "read": "Read all your account's data",
    "write": "Change all your account's data",
    "follow": "See and change who you follow, block and mute",
    "push": "Receive your push notifications",
    "profile": "Know who you are (your profile only)",
    "admin:read": "Read data across the whole server (staff only)",
    "admin:write": "Take moderation actions on the server (staff only)",
}


class InvalidScopeError(CommonholdError):
    """A requested scope is unknown, or more than the application registered."""

    status = 400
    code = "invalid_scope"


def parse_scopes(text: str | Iterable[str] | None, *,
                 default: tuple[str, ...] = DEFAULT_SCOPES) -> tuple[str, ...]:
    """Scopes from a space-separated string (or a list, as JSON bodies send), de-duplicated
    in order; unknown scopes are refused rather than dropped, as Mastodon does."""
    if text is None:
        return default
    words = text.split() if isinstance(text, str) else [w for s in text for w in str(s).split()]
    if not words:
        return default
    unknown = [w for w in words if w not in _KNOWN]
    if unknown:
        raise InvalidScopeError(
            f"The requested scope is invalid, unknown, or malformed: {unknown[0]}")
    return tuple(dict.fromkeys(words))


def require_subset(requested: Iterable[str], registered: Iterable[str]) -> None:
    """A token may ask only for scopes its application registered (compared as written)."""
    allowed = set(registered)
    extra = [s for s in requested if s not in allowed]
    if extra:
        raise InvalidScopeError(
            f"The requested scope is not among the application's registered scopes: {extra[0]}")


def grants(granted: Iterable[str], required: str) -> bool:
    """Whether a token holding `granted` may use an endpoint that needs `required`."""
    held = set(granted)
    if required in held:
        return True
    parent = required.rpartition(":")[0]
    if parent and parent in held:
        return True
    return "follow" in held and required in FOLLOW_COVERS


def describe(scopes: Iterable[str]) -> list[tuple[str, str]]:
    """(scope, what it allows) for the consent page."""
    out = []
    for scope in scopes:
        if scope in DESCRIPTIONS:
            out.append((scope, DESCRIPTIONS[scope]))
        else:
            family, _, what = scope.rpartition(":")
            verb = {"read": "Read", "write": "Change", "admin:read": "Read server-wide",
                    "admin:write": "Moderate server-wide"}.get(family, family)
            out.append((scope, f"{verb} your {what.replace('_', ' ')}"))
    return out
