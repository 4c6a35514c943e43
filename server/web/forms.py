"""Answering browser forms: the redirect that follows a successful POST."""

from __future__ import annotations

from aiohttp import web


def see_other(location: str) -> web.Response:
    """A 303 to `location`, so the browser fetches the next page with GET.

    A plain response rather than a returned `web.HTTPSeeOther`: handlers may set cookies on
    it, and aiohttp is dropping support for returning exception objects.
    """
    return web.Response(status=303, headers={"Location": location})
