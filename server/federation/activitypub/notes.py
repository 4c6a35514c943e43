"""Loading what the status serializers need, for many statuses in a few queries.

`serialize.to_ap_note` is pure; this is the one place that gathers its inputs (mentions,
hashtags, media, the parent's uri) from the database, for the routes that serve statuses and
collections and for outbound delivery.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.config import Config
from server.db import Conn
from server.federation.activitypub import queries, serialize
from server.quotes import queries as quotes_q
from server.statuses import queries as statuses_q
from server.statuses.queries import Status


@dataclass(frozen=True)
class AuthorRef:
    """What the status serializers read from an author."""

    uri: str
    followers_url: str
    following_url: str = ""

    @classmethod
    def of(cls, account: Mapping[str, Any]) -> AuthorRef:
        return cls(account["uri"], account.get("followers_url") or f"{account['uri']}/followers",
                   account.get("following_url") or f"{account['uri']}/following")


async def load_notes(conn: Conn, statuses: list[Status], *, author: Any, config: Config,
                     context: bool = True,
                     polls: Mapping[int, Mapping[str, Any]] | None = None,
                     ) -> dict[int, dict[str, Any]]:
    """Note documents for original statuses (boosts are skipped), keyed by status id; a
    status with an entry in `polls` (see serialize.to_ap_note) becomes a Question."""
    originals = [s for s in statuses if s.reblog_of_id is None]
    if not originals:
        return {}
    ids = [s.id for s in originals]
    mentions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in await statuses_q.list_mentions(conn, status_ids=ids):
        mentions[row["status_id"]].append(row)
    tags: dict[int, list[str]] = defaultdict(list)
    for status_id, name in await statuses_q.list_status_tags(conn, status_ids=ids):
        tags[status_id].append(name)
    media: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in await queries.list_status_media(conn, status_ids=ids):
        media[row["status_id"]].append(row)
    parent_ids = [s.in_reply_to_id for s in originals if s.in_reply_to_id is not None]
    parents = await queries.list_status_uris_and_authors(conn, status_ids=parent_ids)
    quotes = await quotes_q.list_quotes_for_notes(conn, status_ids=ids)
    notes = {}
    for s in originals:
        parent = parents.get(s.in_reply_to_id) if s.in_reply_to_id is not None else None
        notes[s.id] = serialize.to_ap_note(
            s, author=author, mentions=mentions[s.id], tags=tags[s.id], media=media[s.id],
            config=config, in_reply_to=parent["uri"] if parent else None, context=context,
            poll=(polls or {}).get(s.id), quote=quotes.get(s.id))
    return notes


async def load_activities(conn: Conn, statuses: list[Status], *, author: Any,
                          config: Config) -> list[dict[str, Any]]:
    """Outbox items in the order given: Create(Note) for posts, Announce for boosts."""
    notes = await load_notes(conn, statuses, author=author, config=config)
    boosted_ids = [s.reblog_of_id for s in statuses if s.reblog_of_id is not None]
    boosted = await queries.list_status_uris_and_authors(conn, status_ids=boosted_ids)
    items: list[dict[str, Any]] = []
    for s in statuses:
        if s.reblog_of_id is None:
            create = serialize.to_ap_create(notes[s.id], status=s, author=author)
            items.append({k: v for k, v in create.items() if k != "@context"})
            continue
        target = boosted.get(s.reblog_of_id)
        if target is None or target["deleted_at"] is not None:
            continue
        items.append(serialize.to_ap_announce(s, author=author, boosted_uri=target["uri"],
                                              boosted_author_uri=target["author_uri"],
                                              context=False))
    return items
