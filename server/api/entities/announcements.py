"""The Announcement entity. The list endpoint renders it for its viewer; the stream renders
it once for every signed-in client, so without the viewer's own parts (`read`, each
reaction's `me`), as Mastodon's stream does."""

from __future__ import annotations

from typing import Any

from server.api.entities.common import iso
from server.governance.announcements.service import Announcement


def render_announcement(item: Announcement, *, for_viewer: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(item.proposal.id),
        "content": item.content,
        "starts_at": iso(item.starts_at),
        "ends_at": iso(item.ends_at),
        "all_day": False,
        "published_at": iso(item.starts_at),
        "updated_at": iso(item.updated_at),
        "mentions": [], "statuses": [], "tags": [], "emojis": [],
        "reactions": item.reactions,
    }
    if for_viewer:
        out["read"] = item.read
    else:
        out["reactions"] = [{"name": r["name"], "count": r["count"]} for r in item.reactions]
    return out
