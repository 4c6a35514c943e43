"""The PreviewCard entity, shaped as Mastodon 4.3's REST::PreviewCardSerializer shapes it.

`attach_cards` gives a page of status entities their cards with one query. It runs after
the entities are built, not inside them: a card arrives (or changes) long after its status
was written, so nothing about it may be kept with the rest of a status's entity.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from server.api.entities.common import iso
from server.cards import queries as q
from server.config import Config
from server.db import Conn
from server.media import storage


def render_card(row: dict[str, Any], config: Config, *, url: str | None = None) -> dict[str, Any]:
    """`url`: the link as the status wrote it (Mastodon shows that, not where it led)."""
    return {
        "url": url or row["url"],
        "title": row["title"],
        "description": row["description"],
        "language": row["language"],
        "type": row["type"],
        "author_name": row["author_name"],
        "author_url": row["author_url"],
        "provider_name": row["provider_name"],
        "provider_url": row["provider_url"],
        "html": row["html"],
        "width": row["width"],
        "height": row["height"],
        "image": storage.public_url(config, row["image_path"]) if row["image_path"] else None,
        "image_description": row["image_description"],
        "embed_url": row["embed_url"],
        "blurhash": row["blurhash"],
        "published_at": iso(row["published_at"]) if row["published_at"] else None,
        # One author, from the page's own tags; no fediverse account is looked up for it.
        "authors": [{"name": row["author_name"], "url": row["author_url"], "account": None}],
    }


async def load_cards(conn: Conn, config: Config,
                     status_ids: list[int]) -> dict[int, dict[str, Any]]:
    """status id -> card entity, for those of `status_ids` that have one (one query)."""
    rows = await q.load_cards(conn, status_ids=status_ids)
    return {status_id: render_card(row, config, url=row["link_url"])
            for status_id, row in rows.items()}


async def attach_cards(conn: Conn, config: Config, entities: Iterable[dict[str, Any]]) -> None:
    """Set `card` on these status entities and on the statuses they boost."""
    entities = list(entities)
    shown = [e for e in entities if e is not None]
    shown += [e["reblog"] for e in shown if e.get("reblog")]
    if not shown:
        return
    cards = await load_cards(conn, config, list({int(e["id"]) for e in shown}))
    for entity in shown:
        entity["card"] = cards.get(int(entity["id"]))
