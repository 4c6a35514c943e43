"""Who may quote a post, as Mastodon 4.5 records and applies it (statuses.quote_policy,
migration 0096).

A policy is two sets of rules in one integer: those whose quotes are approved at once
(`automatic`, the high 16 bits) and those a person would review (`manual`, the low 16). A
rule is the public, the author's followers, or those the author follows; `unsupported` marks
a rule naming something else (particular actors), which only the post's own server can apply.
Members choose public, followers or nobody; a post that is not public or unlisted can be
quoted by its author only. The author may always quote their own post, but a direct post or
a boost is quoted by nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from server.errors import ValidationError
from server.federation import uris

UNSUPPORTED, PUBLIC, FOLLOWERS, FOLLOWING = 1, 2, 4, 8
_KEYS = ((UNSUPPORTED, "unsupported_policy"), (PUBLIC, "public"), (FOLLOWERS, "followers"),
         (FOLLOWING, "following"))
_SHIFT = 16
_RELATIONS = FOLLOWERS | FOLLOWING

# What a member may choose (the API's `quote_approval_policy`), as the policy stored.
CHOICES = {"public": PUBLIC << _SHIFT, "followers": FOLLOWERS << _SHIFT, "nobody": 0}
DISTRIBUTABLE = ("public", "unlisted")


def automatic(policy: int) -> int:
    return policy >> _SHIFT


def manual(policy: int) -> int:
    return policy & 0xFFFF


def keys(rules: int) -> list[str]:
    """The rules as the API names them."""
    return [name for bit, name in _KEYS if rules & bit]


def chosen(value: Any, *, field: str = "quote_approval_policy") -> int:
    """A member's choice as a policy; anything but the three choices is refused."""
    if value not in CHOICES:
        raise ValidationError(f"Validation failed: {field} must be public, followers or nobody",
                              field=field)
    return CHOICES[value]


def for_local_post(policy: int | None, *, visibility: str, boost: bool) -> int:
    """What a member's post keeps: only a public or unlisted post carries a policy (others
    are quoted by their author alone); none chosen means public."""
    if boost or visibility not in DISTRIBUTABLE:
        return 0
    return CHOICES["public"] if policy is None else policy


# A rule for followers or followed accounts, automatic or manual.
_ANY_RELATION = _RELATIONS << _SHIFT | _RELATIONS


def depends_on_relations(policy: int) -> bool:
    """Whether the answer for a signed-in reader other than the author turns on who follows
    whom (a rule for followers or followed accounts, and no public rule before it). Asked
    of every status of every page: bit tests only."""
    return bool(policy & _ANY_RELATION) and not policy & PUBLIC << _SHIFT


def answer(policy: int, *, visibility: str, boost: bool, reader: str,
           follows_author: bool = False, followed_by_author: bool = False) -> str:
    """`automatic`, `manual`, `unknown` or `denied` for a reader: `reader` is `anonymous`,
    `author` or `other` (with how they and the author follow each other)."""
    if reader == "anonymous" or boost or visibility == "direct":
        return "denied"
    if reader == "author":
        return "automatic"
    for rules, outcome in ((automatic(policy), "automatic"), (manual(policy), "manual")):
        if rules & PUBLIC or (rules & FOLLOWERS and follows_author) or (
                rules & FOLLOWING and followed_by_author):
            return outcome
    if (automatic(policy) | manual(policy)) & UNSUPPORTED:
        return "unknown"
    return "denied"


# --- ActivityPub: interactionPolicy.canQuote ------------------------------------------------

def from_activity(can_quote: tuple[tuple[str, ...], tuple[str, ...]] | None, *,
                  author_uri: str, followers_uri: str | None,
                  following_uri: str | None) -> int:
    """A remote post's policy from its `canQuote` (automaticApproval, manualApproval); 0
    without one."""
    if can_quote is None:
        return 0
    auto, by_hand = (_rules(uris_, author_uri=author_uri, followers_uri=followers_uri,
                            following_uri=following_uri) for uris_ in can_quote)
    return auto << _SHIFT | by_hand


def _rules(named: Iterable[str], *, author_uri: str, followers_uri: str | None,
           following_uri: str | None) -> int:
    rules = 0
    for uri in set(named):
        if uri == uris.PUBLIC:
            rules |= PUBLIC
        elif followers_uri and uri == followers_uri:
            rules |= FOLLOWERS
        elif following_uri and uri == following_uri:
            rules |= FOLLOWING
        elif uri != author_uri:   # the author stands for "only me"
            rules |= UNSUPPORTED
    return rules


def to_activity(policy: int, *, author_uri: str, followers_uri: str,
                following_uri: str) -> dict[str, Any]:
    """A member's post's `interactionPolicy`: the automatic rules only (quotes are never
    reviewed by hand here); the author alone when there are none."""
    rules = automatic(policy)
    approved = [uri for bit, uri in ((PUBLIC, uris.PUBLIC), (FOLLOWERS, followers_uri),
                                     (FOLLOWING, following_uri)) if rules & bit]
    return {"canQuote": {"automaticApproval": approved or [author_uri]}}
