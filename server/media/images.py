"""Turning an uploaded picture into the file we keep (pure: bytes in, bytes out).

Whatever arrives is decoded, checked against the size and pixel limits, turned upright by its
EXIF orientation, cropped to fill the target size and written anew, so no metadata of the
original (camera, GPS position, comments) survives.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from server.errors import ValidationError

# Pillow (15 ms to import) is imported by the functions that use it: a process loads it
# when it first handles a picture, not at start.
if TYPE_CHECKING:
    from PIL import Image

IMAGE_SIZE_LIMIT = 16 * 1024 * 1024       # bytes, as Mastodon 4.x
IMAGE_MATRIX_LIMIT = 33_177_600           # pixels (7680 x 4320)
PROFILE_IMAGE_SIZE_LIMIT = 8 * 1024 * 1024
ACCEPTED_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif",
                    "WEBP": "image/webp"}
SUPPORTED_MIME_TYPES = tuple(ACCEPTED_FORMATS.values())


@dataclass(frozen=True)
class ImageSpec:
    label: str               # names the field in error messages
    size: tuple[int, int]
    max_bytes: int


AVATAR = ImageSpec("Avatar", (400, 400), PROFILE_IMAGE_SIZE_LIMIT)
HEADER = ImageSpec("Header", (1500, 500), PROFILE_IMAGE_SIZE_LIMIT)


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    extension: str
    content_type: str
    width: int
    height: int


def process_image(data: bytes, spec: ImageSpec, *, field: str) -> ProcessedImage:
    """The upload re-encoded at `spec.size`; a ValidationError naming `field` otherwise."""
    from PIL import Image, ImageOps
    if not data:
        raise ValidationError(f"Validation failed: {spec.label} is empty", field=field)
    if len(data) > spec.max_bytes:
        raise ValidationError(f"Validation failed: {spec.label} file size must be less than "
                              f"{spec.max_bytes // (1024 * 1024)} MB", field=field)
    image = _decode(data, spec, field)
    # A broken orientation tag is not worth refusing the picture for.
    with contextlib.suppress(OSError, ValueError, SyntaxError):
        image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    image = ImageOps.fit(image, spec.size, method=Image.Resampling.LANCZOS)
    image.info = {}
    out = io.BytesIO()
    if has_alpha:
        image.save(out, format="PNG", optimize=True)
        return ProcessedImage(out.getvalue(), "png", "image/png", *image.size)
    image.save(out, format="JPEG", quality=90, optimize=True)
    return ProcessedImage(out.getvalue(), "jpeg", "image/jpeg", *image.size)


def _decode(data: bytes, spec: ImageSpec, field: str) -> Image.Image:
    from PIL import Image
    refused = ValidationError(f"Validation failed: {spec.label} must be a PNG, JPEG, GIF or "
                              "WebP image", field=field)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise refused
            width, height = image.size
            if width * height > IMAGE_MATRIX_LIMIT:
                raise ValidationError(f"Validation failed: {spec.label} dimensions are too "
                                      f"large (at most {IMAGE_MATRIX_LIMIT} pixels)", field=field)
            image.seek(0)   # an animation keeps its first frame
            image.load()
        except ValidationError:
            raise
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombWarning,
                Image.DecompressionBombError):
            raise refused from None
    return image
