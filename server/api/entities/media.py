"""The MediaAttachment entity (Mastodon's REST::MediaAttachmentSerializer).

`to_mastodon_media` is pure. `render_media` loads the attachments of many statuses with one
query and returns them grouped by status id, in attachment order: what the Status entity
embeds as `media_attachments`.
"""

from __future__ import annotations

from typing import Any

from server.config import Config
from server.db import Conn
from server.media import queries
from server.media.queries import MediaRow
from server.media.storage import public_url


def to_mastodon_media(row: MediaRow, config: Config) -> dict[str, Any]:
    meta: dict[str, Any] = {k: v for k, v in row.meta.items() if k in ("original", "small")}
    meta["focus"] = {"x": row.focus_x, "y": row.focus_y}
    if row.file_path:
        url: str | None = public_url(config, row.file_path)
        preview: str | None = public_url(config, row.preview_path or row.file_path)
    else:   # remote media we did not copy, or a local upload still being processed
        url = row.remote_url
        preview = row.remote_url
    return {
        "id": str(row.id),
        "type": row.type,
        "url": url,
        "preview_url": preview,
        "remote_url": row.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": row.description,
        "blurhash": row.blurhash,
    }


async def render_media(conn: Conn, config: Config,
                       status_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Attachment entities for many statuses at once: {status_id: [entity, ...]}; statuses
    without media are absent from the result."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not status_ids:
        return out
    for row in await queries.list_media_for_statuses(conn, status_ids=list(set(status_ids))):
        assert row.status_id is not None
        out.setdefault(row.status_id, []).append(to_mastodon_media(row, config))
    return out
