"""Reading browser forms and answering them.

Every page handler that accepts a POST reads it with `read_form`: the body is parsed, checked
for its CSRF token, and anything a browser would never send (a body that is not a form,
text that is not UTF-8, NUL characters, which PostgreSQL cannot store) is refused with a 400
instead of failing deeper down.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy

from server.errors import BadRequestError
from server.web import csrf

UNREADABLE = "The form could not be read. Go back, reload the page and try again."


async def read_form(request: web.Request) -> dict[str, str]:
    """The posted text fields (file fields are left out), after the CSRF check."""
    form, _ = await read_form_and_parts(request)
    return form


async def posted(request: web.Request, *, unreadable: str = UNREADABLE) -> MultiDictProxy[Any]:
    """The body as a form. One that cannot be read as a form is the sender's error, a 400:
    aiohttp raises ValueError (UnicodeDecodeError among them) for a broken urlencoded body
    and its HTTP parsing errors for a multipart part with broken headers or framing."""
    try:
        return await request.post()
    except (ValueError, HttpProcessingError):
        raise BadRequestError(unreadable) from None


async def read_form_and_parts(request: web.Request) -> tuple[dict[str, str], MultiDictProxy[Any]]:
    """The posted text fields after the CSRF check, and every part as posted (file fields
    included, for multipart forms)."""
    data = await posted(request)
    form = {k: v for k, v in data.items() if isinstance(v, str)}
    csrf.check(request, form)
    if any("\x00" in k or "\x00" in v for k, v in form.items()):
        raise BadRequestError("The form contains a character that is not allowed (NUL).")
    return form, data


def local_path(target: str, *, default: str = "/") -> str:
    """`target` when it is a path on this site, else `default` (no open redirects).

    Browsers treat a backslash like a slash and drop tabs and newlines inside URLs, so
    `/\\evil.example` and `/<TAB>/evil.example` both lead off-site; anything with those, or
    starting with `//`, is refused.
    """
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    return target


def see_other(location: str) -> web.Response:
    """A 303 to `location`, so the browser fetches the next page with GET.

    A plain response rather than a returned `web.HTTPSeeOther`: handlers may set cookies on
    it, and aiohttp is dropping support for returning exception objects.
    """
    return web.Response(status=303, headers={"Location": location})
