"""The pictures shown where someone has none: a plain avatar, a plain header, and the
instance's thumbnail and icons. Drawn once with Pillow and kept in memory, so the project
ships no binary files; the paths are the ones Mastodon clients know."""

from __future__ import annotations

import functools
import io
from typing import TYPE_CHECKING

from aiohttp import web

# Pillow (15 ms to import) is imported by the functions that use it: a process loads it
# when it first handles a picture, not at start.
if TYPE_CHECKING:
    from PIL import Image

MISSING_AVATAR_PATH = "/avatars/original/missing.png"
MISSING_HEADER_PATH = "/headers/original/missing.png"
THUMBNAIL_PATH = "/instance/thumbnail.png"
ICON_SIZES = (36, 72, 192, 512)
_BACKGROUND = (217, 221, 229)
_FIGURE = (176, 183, 196)
_ACCENT = (43, 106, 79)
routes = web.RouteTableDef()


def icon_path(size: int) -> str:
    return f"/instance/icon-{size}.png"


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@functools.cache
def missing_avatar() -> bytes:
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (400, 400), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.ellipse((130, 70, 270, 210), fill=_FIGURE)      # head
    draw.ellipse((60, 240, 340, 520), fill=_FIGURE)      # shoulders
    return _png(image)


@functools.cache
def missing_header() -> bytes:
    from PIL import Image
    return _png(Image.new("RGB", (1500, 500), _BACKGROUND))


@functools.cache
def instance_picture(width: int, height: int) -> bytes:
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (width, height), _ACCENT)
    draw = ImageDraw.Draw(image)
    side = min(width, height)
    # three overlapping circles: members holding something in common
    r = side // 5
    cx, cy = width // 2, height // 2
    for dx, dy in ((-r // 2, -r // 3), (r // 2, -r // 3), (0, r // 2)):
        draw.ellipse((cx + dx - r, cy + dy - r, cx + dx + r, cy + dy + r),
                     outline=(255, 255, 255), width=max(1, side // 40))
    return _png(image)


def _png_response(data: bytes) -> web.Response:
    return web.Response(body=data, content_type="image/png",
                        headers={"Cache-Control": "public, max-age=86400"})


@routes.get(MISSING_AVATAR_PATH)
async def get_missing_avatar(request: web.Request) -> web.Response:
    return _png_response(missing_avatar())


@routes.get(MISSING_HEADER_PATH)
async def get_missing_header(request: web.Request) -> web.Response:
    return _png_response(missing_header())


@routes.get(THUMBNAIL_PATH)
async def get_thumbnail(request: web.Request) -> web.Response:
    return _png_response(instance_picture(1200, 630))


@routes.get(r"/instance/icon-{size:\d+}.png")
async def get_icon(request: web.Request) -> web.Response:
    size = int(request.match_info["size"])
    if size not in ICON_SIZES:
        raise web.HTTPNotFound()
    return _png_response(instance_picture(size, size))
