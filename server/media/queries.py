"""SQL for media attachments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.media")


# What an edit's history keeps of an attachment: the columns its entity is made from.
SNAPSHOT_COLUMNS = ("id", "type", "file_path", "preview_path", "remote_url", "meta", "focus_x",
                    "focus_y", "description", "blurhash")


def snapshot(columns: Mapping[str, Any]) -> dict[str, Any]:
    """The history's copy of an attachment read as a row mapping (absent columns as None)."""
    return {name: columns.get(name) for name in SNAPSHOT_COLUMNS}


@dataclass(frozen=True, slots=True)
class MediaRow:
    id: int
    account_id: int
    status_id: int | None
    type: str
    file_path: str | None
    preview_path: str | None
    remote_url: str | None
    content_type: str | None
    description: str | None
    blurhash: str | None
    meta: dict[str, Any]
    focus_x: float
    focus_y: float
    position: int
    created_at: datetime

    def snapshot(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in SNAPSHOT_COLUMNS}

    @property
    def processing(self) -> bool:
        """A local upload whose files are still being made."""
        return self.file_path is None and self.remote_url is None


def _row(row: Any) -> MediaRow | None:
    return MediaRow(**dict(row)) if row else None


async def insert_media(conn: Conn, *, media_id: int, account_id: int, type_: str,
                       file_path: str | None, preview_path: str | None, content_type: str | None,
                       description: str | None, blurhash: str | None, meta: dict[str, Any],
                       focus: tuple[float, float], now: datetime) -> MediaRow:
    row = await conn.fetchrow(Q["insert_media"], media_id, account_id, type_, file_path,
                              preview_path, content_type, description, blurhash, meta,
                              focus[0], focus[1], now)
    assert row is not None
    return MediaRow(**dict(row))


async def get_own_media(conn: Conn, *, media_id: int, account_id: int) -> MediaRow | None:
    return _row(await conn.fetchrow(Q["get_own_media"], media_id, account_id))


async def update_unattached_media(conn: Conn, *, media_id: int, account_id: int,
                                  description: str | None,
                                  focus: tuple[float, float] | None) -> MediaRow | None:
    fx, fy = focus if focus is not None else (None, None)
    return _row(await conn.fetchrow(Q["update_unattached_media"], media_id, account_id,
                                    description, fx, fy))


async def update_status_media(conn: Conn, *, media_id: int, account_id: int, status_id: int,
                              description: str | None,
                              focus: tuple[float, float] | None) -> bool:
    fx, fy = focus if focus is not None else (None, None)
    return await conn.fetchval(Q["update_status_media"], media_id, account_id, status_id,
                               description, fx, fy) is not None


async def finish_media(conn: Conn, *, media_id: int, file_path: str, preview_path: str,
                       content_type: str, blurhash: str, meta: dict[str, Any]) -> bool:
    return await conn.fetchval(Q["finish_media"], media_id, file_path, preview_path,
                               content_type, blurhash, meta) is not None


async def list_media_by_ids(conn: Conn, *, media_ids: list[int]) -> list[MediaRow]:
    return [MediaRow(**dict(r)) for r in await conn.fetch(Q["list_media_by_ids"], media_ids)]


async def list_media_for_statuses(conn: Conn, *, status_ids: list[int]) -> list[MediaRow]:
    return [MediaRow(**dict(r))
            for r in await conn.fetch(Q["list_media_for_statuses"], status_ids)]


async def delete_pending_media(conn: Conn, *, media_id: int) -> None:
    await conn.execute(Q["delete_pending_media"], media_id)
