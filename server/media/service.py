"""Uploading media attachments and changing them before they are attached.

Files are written before the row is inserted and removed again when the insert fails, so a
row never points at a missing file. Large uploads through `/api/v2/media` are kept as they
came and processed by the `media.process` job; until then the row has no file and the API
answers 202 / 206.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from server import jobs
from server.config import Config
from server.db import Conn, Database
from server.errors import NotFoundError, ValidationError
from server.ids import new_id
from server.jobs.context import JobContext
from server.media import attachments, queries, storage
from server.media.queries import MediaRow

MAX_DESCRIPTION = 1500
# Uploads larger than this are processed in the background when the client allows it (v2).
BACKGROUND_BYTES = 1024 * 1024
FOLDER = "media_attachments"


def check_description(description: str | None) -> str | None:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise ValidationError(f"Validation failed: Description is too long (maximum is "
                              f"{MAX_DESCRIPTION} characters)", field="description")
    return description


async def _store_processed(config: Config, done: attachments.ProcessedMedia) -> tuple[str, str]:
    original = await storage.store(config, f"{FOLDER}/original", done.original, done.extension)
    preview = await storage.store(config, f"{FOLDER}/small", done.preview, done.extension)
    return original, preview


async def create_media(db: Database, *, config: Config, account_id: int, data: bytes,
                       content_type: str, description: str | None,
                       focus: tuple[float, float] | None, now: datetime,
                       allow_background: bool = False) -> MediaRow:
    check_description(description)
    focus = focus or (0.0, 0.0)
    media_id = new_id()
    if allow_background and len(data) > BACKGROUND_BYTES:
        # Refuse what can be refused now; the slow part waits for the job.
        await asyncio.to_thread(attachments.probe, data, content_type)
        pending = await storage.store(config, f"{FOLDER}/pending", data, "upload")
        try:
            async with db.transaction() as conn:
                row = await queries.insert_media(
                    conn, media_id=media_id, account_id=account_id, type_="image",
                    file_path=None, preview_path=None, content_type=None,
                    description=description, blurhash=None, meta={"focus": {}},
                    focus=focus, now=now)
                await jobs.enqueue(conn, "media.process", {"media_id": media_id,
                                                           "pending": pending}, now=now)
        except BaseException:
            await storage.remove(config, pending)
            raise
        return row
    done = await asyncio.to_thread(attachments.process_media, data, content_type)
    original, preview = await _store_processed(config, done)
    try:
        async with db.transaction() as conn:
            return await queries.insert_media(
                conn, media_id=media_id, account_id=account_id, type_="image",
                file_path=original, preview_path=preview, content_type=done.content_type,
                description=description, blurhash=done.blurhash, meta=done.meta, focus=focus,
                now=now)
    except BaseException:
        await storage.remove(config, original)
        await storage.remove(config, preview)
        raise


async def get_own_media(conn: Conn, *, account_id: int, media_id: int) -> MediaRow:
    row = await queries.get_own_media(conn, media_id=media_id, account_id=account_id)
    if row is None:
        raise NotFoundError("Record not found")
    return row


async def update_media(conn: Conn, *, account_id: int, media_id: int, description: str | None,
                       focus: tuple[float, float] | None) -> MediaRow:
    check_description(description)
    row = await get_own_media(conn, account_id=account_id, media_id=media_id)
    if row.status_id is not None:
        raise ValidationError("Validation failed: this media is attached to a post; edit the "
                              "post to change it", field="id")
    updated = await queries.update_unattached_media(conn, media_id=media_id,
                                                    account_id=account_id,
                                                    description=description, focus=focus)
    if updated is None:   # attached in the meantime
        raise ValidationError("Validation failed: this media is attached to a post",
                              field="id")
    return updated


async def process_pending(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Job `media.process`: make the files of a background upload (idempotent)."""
    media_id, pending = int(payload["media_id"]), str(payload["pending"])
    config = ctx.config
    try:
        data = await asyncio.to_thread(storage.read, config, pending)
    except FileNotFoundError:
        return   # already done by an earlier run
    try:
        done = await asyncio.to_thread(attachments.process_media, data, "")
    except ValidationError:
        # The probe passed but the full decode did not: the upload cannot be shown.
        async with ctx.db.transaction() as conn:
            await queries.delete_pending_media(conn, media_id=media_id)
        await storage.remove(config, pending)
        return
    original, preview = await _store_processed(config, done)
    async with ctx.db.transaction() as conn:
        finished = await queries.finish_media(
            conn, media_id=media_id, file_path=original, preview_path=preview,
            content_type=done.content_type, blurhash=done.blurhash, meta=done.meta)
    if not finished:
        await storage.remove(config, original)
        await storage.remove(config, preview)
    await storage.remove(config, pending)
