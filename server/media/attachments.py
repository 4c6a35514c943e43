"""Turning an uploaded media attachment into the files we keep (pure: bytes in, bytes out).

Only still images are accepted: JPEG, PNG, GIF (its first frame) and WebP. Video and audio
would need transcoding, which the server does not do, so they are refused with a message
that says so. The original is decoded, turned upright by its EXIF orientation, shrunk to fit
ORIGINAL_PIXELS and written anew (no EXIF, GPS or comments survive); a `small` preview fits
PREVIEW_PIXELS, and the BlurHash is computed from a tiny copy.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from server.errors import ValidationError
from server.media import blurhash
from server.media.images import ACCEPTED_FORMATS, IMAGE_MATRIX_LIMIT, IMAGE_SIZE_LIMIT

# Pillow (15 ms to import) is imported by the functions that use it: a process loads it
# when it first handles a picture, not at start.
if TYPE_CHECKING:
    from PIL import Image

ORIGINAL_PIXELS = 8_294_400     # 3840 x 2160, what Mastodon keeps of an original
PREVIEW_PIXELS = 640 * 640      # the `small` version
BLURHASH_SIDE = 48              # the hash is computed on a copy this size at most
INVALID_TYPE = ("Validation failed: File content type is invalid (JPEG, PNG, GIF and WebP "
                "images are accepted; video and audio are not)")


@dataclass(frozen=True)
class ProcessedMedia:
    original: bytes
    preview: bytes
    extension: str
    content_type: str
    blurhash: str
    meta: dict[str, Any]       # {"original": {...}, "small": {...}}


def _size_meta(width: int, height: int) -> dict[str, Any]:
    return {"width": width, "height": height, "size": f"{width}x{height}",
            "aspect": width / height}


def _fit(image: Image.Image, pixels: int) -> Image.Image:
    from PIL import Image
    width, height = image.size
    if width * height <= pixels:
        return image
    scale = math.sqrt(pixels / (width * height))
    size = (max(1, int(width * scale)), max(1, int(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _encode(image: Image.Image, alpha: bool) -> tuple[bytes, str, str]:
    image.info = {}
    out = io.BytesIO()
    if alpha:
        image.save(out, format="PNG", optimize=True)
        return out.getvalue(), "png", "image/png"
    image.save(out, format="JPEG", quality=88, optimize=True)
    return out.getvalue(), "jpeg", "image/jpeg"


def upright(image: Image.Image) -> tuple[Image.Image, bool]:
    """The picture turned as its EXIF says and converted to RGB(A), and whether it has
    transparency (kept as PNG then)."""
    from PIL import ImageOps
    with contextlib.suppress(OSError, ValueError, SyntaxError):
        image = ImageOps.exif_transpose(image)
    alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info)
    return image.convert("RGBA" if alpha else "RGB"), alpha


def decode_image(data: bytes) -> Image.Image:
    from PIL import Image
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise ValidationError(INVALID_TYPE, field="file")
            width, height = image.size
            if width * height > IMAGE_MATRIX_LIMIT:
                raise ValidationError("Validation failed: File dimensions are too large (at "
                                      f"most {IMAGE_MATRIX_LIMIT} pixels)", field="file")
            image.seek(0)
            image.load()
        except ValidationError:
            raise
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombWarning,
                Image.DecompressionBombError):
            raise ValidationError(INVALID_TYPE, field="file") from None
    return image


def check_upload(data: bytes, content_type: str) -> None:
    """What can be refused before decoding: emptiness, size, and declared non-images."""
    if not data:
        raise ValidationError("Validation failed: File is empty", field="file")
    if len(data) > IMAGE_SIZE_LIMIT:
        raise ValidationError("Validation failed: File file size must be less than "
                              f"{IMAGE_SIZE_LIMIT // (1024 * 1024)} MB", field="file")
    if content_type.split("/")[0] in ("video", "audio"):
        raise ValidationError(INVALID_TYPE, field="file")


def probe(data: bytes, content_type: str = "") -> None:
    """Refuse what the header alone shows to be unacceptable (used before a background
    upload is accepted)."""
    from PIL import Image
    check_upload(data, content_type)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombWarning,
                Image.DecompressionBombError):
            raise ValidationError(INVALID_TYPE, field="file") from None
    if image.format not in ACCEPTED_FORMATS:
        raise ValidationError(INVALID_TYPE, field="file")
    if image.width * image.height > IMAGE_MATRIX_LIMIT:
        raise ValidationError("Validation failed: File dimensions are too large (at most "
                              f"{IMAGE_MATRIX_LIMIT} pixels)", field="file")


def process_media(data: bytes, content_type: str = "") -> ProcessedMedia:
    check_upload(data, content_type)
    image, alpha = upright(decode_image(data))
    original = _fit(image, ORIGINAL_PIXELS)
    small = _fit(original, PREVIEW_PIXELS)
    original_bytes, extension, mime = _encode(original, alpha)
    preview_bytes, _, _ = _encode(small.copy(), alpha)
    tiny = small.convert("RGB")
    tiny.thumbnail((BLURHASH_SIDE, BLURHASH_SIDE))
    data_ = tiny.tobytes()
    pixels = [(data_[i], data_[i + 1], data_[i + 2]) for i in range(0, len(data_), 3)]
    hash_ = blurhash.encode(pixels, tiny.width, tiny.height)
    return ProcessedMedia(original_bytes, preview_bytes, extension, mime, hash_,
                          {"original": _size_meta(*original.size),
                           "small": _size_meta(*small.size)})


def parse_focus(text: str | None) -> tuple[float, float] | None:
    """Mastodon's focal point "x,y", each in -1.0..1.0 (0,0 is the centre)."""
    if text is None or text.strip() == "":
        return None
    parts = text.split(",")
    try:
        x, y = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        x = y = math.nan
    if not (-1.0 <= x <= 1.0 and -1.0 <= y <= 1.0):
        raise ValidationError("Validation failed: focus must be two numbers between -1.0 and "
                              "1.0, as \"x,y\"", field="focus")
    return x, y
