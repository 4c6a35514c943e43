"""The MediaAttachment entity (Mastodon's REST::MediaAttachmentSerializer).

`to_mastodon_media` is pure, and the one serializer of the entity: the Status entity embeds
what it returns too. `render_media` loads the attachments of many statuses with one
query and returns them grouped by status id, in attachment order: what the Status entity
embeds as `media_attachments`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.config import Config
from server.db import Conn
from server.media import queries
from server.media.queries import MediaRow
from server.media.storage import public_url


VISUAL = ("image", "gifv", "video")


def to_mastodon_media(row: MediaRow | Mapping[str, Any], config: Config) -> dict[str, Any]:
    """One attachment, from its row (a MediaRow, or the columns of one as a mapping, as a
    page of statuses loads them). Stored files are served from here; a remote file not
    copied here is linked where it is (Mastodon would proxy it; it is the same picture)."""
    fields: Any = row if not isinstance(row, MediaRow) else row.snapshot()
    url = public_url(config, fields["file_path"]) if fields["file_path"] else fields["remote_url"]
    preview = public_url(config, fields["preview_path"]) if fields["preview_path"] else url
    # What processing measured (original and small sizes, length...) as stored; the focal
    # point lives in its own columns and is what the entity reports, for visual media.
    meta = {k: v for k, v in (fields["meta"] or {}).items() if k != "focus"}
    if fields["type"] in VISUAL:
        meta["focus"] = {"x": float(fields["focus_x"]), "y": float(fields["focus_y"])}
    return {
        "id": str(fields["id"]),
        "type": fields["type"],
        "url": url,
        "preview_url": preview,
        "remote_url": fields["remote_url"],
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": fields["description"],
        "blurhash": fields["blurhash"],
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
