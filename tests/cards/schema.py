"""Checking cards against the OpenAPI description, with one known difference.

Mastodon sends "" for the addresses a page does not give (author_url, provider_url,
embed_url, an author's url), as we do; the description marks them `format: uri`, which ""
is not. Those empty strings are set aside for the check; everything else is checked as
described.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.openapi import validate

_PLACEHOLDER = "https://empty.invalid/"
_URI_FIELDS = ("author_url", "provider_url", "embed_url")


def _as_described(card: dict[str, Any]) -> dict[str, Any]:
    card = copy.deepcopy(card)
    for name in _URI_FIELDS:
        if card.get(name) == "":
            card[name] = _PLACEHOLDER
    for author in card.get("authors", []):
        if author.get("url") == "":
            author["url"] = _PLACEHOLDER
    return card


def validate_card(card: dict[str, Any], name: str = "PreviewCard") -> None:
    validate(_as_described(card), name)


def validate_status(status: dict[str, Any]) -> None:
    status = copy.deepcopy(status)
    for entity in (status, status.get("reblog") or {}):
        if entity.get("card"):
            entity["card"] = _as_described(entity["card"])
    validate(status, "Status")
