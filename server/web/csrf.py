"""CSRF protection for forms: a random cookie and a form field derived from it with the
instance secret. A cross-site page can neither read the cookie nor compute the field."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from aiohttp import web

from server.errors import ForbiddenError
from server.web.state import CONFIG

COOKIE = "ch_csrf"
FIELD = "csrf_token"
_REQUEST_KEY: web.RequestKey[str] = web.RequestKey("csrf_cookie", str)


def _derive(request: web.Request, cookie: str) -> str:
    secret = request.app[CONFIG].secret_key.encode()
    return hmac.new(secret, b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()


def token_for(request: web.Request, response: web.StreamResponse) -> str:
    """The token to put in this page's forms; sets the cookie when the browser has none."""
    cookie = request.get(_REQUEST_KEY) or request.cookies.get(COOKIE)
    if not cookie or len(cookie) < 32:
        cookie = secrets.token_urlsafe(32)
        request[_REQUEST_KEY] = cookie
        set_cookie(request, response, COOKIE, cookie, max_age=None)
    return _derive(request, cookie)


def check(request: web.Request, form: dict[str, str] | object) -> None:
    cookie = request.cookies.get(COOKIE, "")
    sent = str(form.get(FIELD, "")) if hasattr(form, "get") else ""
    if not cookie or not sent or not hmac.compare_digest(sent, _derive(request, cookie)):
        raise ForbiddenError(
            "This form has expired or did not come from this site. Go back, reload the page "
            "and try again.")


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str, *,
               max_age: int | None) -> None:
    secure = request.app[CONFIG].base_url.startswith("https://")
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="Lax",
                        secure=secure, path="/")
