"""Uploaded files in the media directory (`<data dir>/media`), served under `/system/`.

File names are random, so a stored file never changes and may be cached for a long time;
replacing an avatar writes a new file and removes the old one once the change is committed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from pathlib import Path

from aiohttp import web

from server.config import Config
from server.errors import NotFoundError
from server.web.state import CONFIG

log = logging.getLogger(__name__)
PUBLIC_PREFIX = "/system/"
routes = web.RouteTableDef()


def public_url(config: Config, relative_path: str) -> str:
    return config.url(PUBLIC_PREFIX + relative_path)


def _target(root: Path, relative_path: str) -> Path:
    path = (root / relative_path).resolve()
    if root.resolve() not in path.parents:
        raise NotFoundError("There is nothing here.")
    return path


def _write(root: Path, relative_path: str, data: bytes) -> None:
    path = _target(root, relative_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)   # readers never see half a file


async def store(config: Config, folder: str, data: bytes, extension: str) -> str:
    """Write `data` under `folder` and return its path relative to the media directory."""
    token = secrets.token_hex(16)
    relative_path = f"{folder}/{token[:2]}/{token[2:4]}/{token}.{extension}"
    await asyncio.to_thread(_write, config.media_dir, relative_path, data)
    return relative_path


def read(config: Config, relative_path: str) -> bytes:
    """A stored file's bytes (FileNotFoundError when it is gone)."""
    return _target(config.media_dir, relative_path).read_bytes()


async def remove(config: Config, relative_path: str | None) -> None:
    if not relative_path:
        return
    try:
        await asyncio.to_thread(_target(config.media_dir, relative_path).unlink, True)
    except OSError:
        log.warning("could not remove media file %s", relative_path, exc_info=True)


@routes.get("/system/{path:.+}")
async def get_media_file(request: web.Request) -> web.StreamResponse:
    path = _target(request.app[CONFIG].media_dir, request.match_info["path"])
    if not path.is_file() or path.name.endswith(".part"):
        raise NotFoundError("There is nothing here.")
    return web.FileResponse(path, headers={
        "Cache-Control": "public, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox"})
