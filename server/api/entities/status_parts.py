"""The pieces a Status embeds: Poll, mentions and tags, shaped as Mastodon 4.3's serializers
shape them (MediaAttachment is media.py's, re-exported here). Pure functions
over rows already loaded for a whole page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.api.entities.common import iso
from server.api.entities.media import to_mastodon_media  # noqa: F401  (re-exported)
from server.config import Config
from server.statuses import urls


def _tally(row: dict[str, Any]) -> list[int]:
    options = row["options"]
    remote = row["remote_counts"]
    if isinstance(remote, list):   # remote polls: the counts their server reports, per option
        return [int(remote[i]) if i < len(remote) and remote[i] is not None else 0
                for i in range(len(options))]
    tallies = row["tallies"] or {}
    return [int(tallies.get(str(i), 0)) for i in range(len(options))]


def to_mastodon_poll(row: dict[str, Any], *, viewer_id: int | None, now: datetime) -> dict[str, Any]:
    expires_at = row["expires_at"]
    expired = row["closed_at"] is not None or (expires_at is not None and expires_at <= now)
    counts = _tally(row)
    voters = row["remote_voters"] if isinstance(row["remote_counts"], list) else row["voters"]
    # Totals of a poll that hides them are shown once it has ended (Poll#show_totals_now?).
    show = expired or not row["hide_totals"]
    entity: dict[str, Any] = {
        "id": str(row["id"]),
        "expires_at": iso(expires_at),
        "expired": expired,
        "multiple": row["multiple"],
        "votes_count": sum(counts),
        "voters_count": voters,
        "options": [{"title": title, "votes_count": counts[i] if show else None}
                    for i, title in enumerate(row["options"])],
        "emojis": [],
    }
    if viewer_id is not None:
        own = list(row["own_votes"] or [])
        entity["voted"] = viewer_id == row["account_id"] or bool(own)
        entity["own_votes"] = own
    return entity


def to_mastodon_mention(row: dict[str, Any], config: Config) -> dict[str, Any]:
    local = row["domain"] is None
    return {
        "id": str(row["account_id"]),
        "username": row["username"],
        "url": config.url(f"/@{row['username']}") if local else (row["url"] or row["uri"]),
        "acct": row["username"] if local else f"{row['username']}@{row['domain']}",
    }


def to_mastodon_status_tag(name: str, config: Config) -> dict[str, str]:
    return {"name": name.lower(), "url": urls.tag_url(config, name)}
