"""Forms that carry files (multipart/form-data): the compose form's images and the profile
form's avatar and header. The text fields are checked as every form's are (CSRF token, no
NUL); a file input left empty is not a file."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from aiohttp.web_request import FileField

from server.web.forms import read_form_and_parts


@dataclass(frozen=True)
class FileUpload:
    filename: str
    content_type: str
    data: bytes


async def read_multipart(request: web.Request) -> tuple[dict[str, str], dict[str, FileUpload]]:
    """The text fields and the chosen files, by field name, after the CSRF check. A body
    beyond the server's limit is answered 413 by aiohttp before anything is read."""
    form, data = await read_form_and_parts(request)
    files: dict[str, FileUpload] = {}
    for key, value in data.items():
        if isinstance(value, FileField) and key not in files:
            content = value.file.read()
            if value.filename or content:   # an empty input still sends an empty part
                files[key] = FileUpload(value.filename or "", value.content_type or "", content)
    return form, files
