"""A card's picture as we keep it (pure: bytes in, bytes out).

Decoded with the media area's checks (format, pixel count), turned upright, shrunk to at
most 640 pixels on a side and 230,400 pixels in all (640 x 360, Mastodon's size for card
pictures), and written anew, so no EXIF or other metadata of the original survives; the
BlurHash (4 x 4 components, as Mastodon's cards) is computed from a tiny copy.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from server.media import blurhash
from server.errors import ValidationError
from server.media.attachments import BLURHASH_SIDE, decode_image, upright

THUMBNAIL_SIDE = 640
THUMBNAIL_PIXELS = 640 * 360


@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    extension: str
    width: int
    height: int
    blurhash: str


class NotAnImageError(ValueError):
    pass


def make_thumbnail(data: bytes) -> Thumbnail:
    from PIL import Image
    try:
        image, alpha = upright(decode_image(data))
    except ValidationError as exc:
        raise NotAnImageError(str(exc)) from None
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    if image.width * image.height > THUMBNAIL_PIXELS:
        scale = math.sqrt(THUMBNAIL_PIXELS / (image.width * image.height))
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))),
                             Image.Resampling.LANCZOS)
    image.info = {}
    out = io.BytesIO()
    if alpha:
        image.save(out, format="PNG", optimize=True)
        extension = "png"
    else:
        image.save(out, format="JPEG", quality=85, optimize=True)
        extension = "jpeg"
    tiny = image.convert("RGB")
    tiny.thumbnail((BLURHASH_SIDE, BLURHASH_SIDE))
    raw = tiny.tobytes()
    pixels = [(raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3)]
    return Thumbnail(out.getvalue(), extension, image.width, image.height,
                     blurhash.encode(pixels, tiny.width, tiny.height,
                                                   x_components=4, y_components=4))
