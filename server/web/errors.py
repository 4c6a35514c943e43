"""One middleware turns every failure into the right kind of answer for the caller:
`{"error": "..."}` for the APIs and federation, an error page for browsers.
Internal details go to the log only."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from server.errors import CommonholdError, RateLimitedError
from server.web.html import render_error_page

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_JSON_PREFIXES = ("/api/", "/oauth/", "/.well-known/", "/nodeinfo/", "/inbox", "/health")
_STATUS_TEXT = {
    400: "The request could not be understood.",
    401: "You need to sign in first.",
    403: "You are not allowed to do that.",
    404: "There is nothing here.",
    405: "That method is not allowed here.",
    406: "That format is not available here.",
    413: "The request is too large.",
    415: "That content type is not supported here.",
    422: "The request could not be processed.",
    429: "Too many requests; slow down and try again shortly.",
    500: "Something went wrong on our side.",
    503: "The service is unavailable right now.",
}


def wants_json(request: web.Request) -> bool:
    path = request.path
    if path.startswith(_JSON_PREFIXES) or path.endswith("/inbox") or path.endswith("/outbox"):
        return True
    accept = request.headers.get("Accept", "")
    return "json" in accept and "text/html" not in accept


def render_error(request: web.Request, status: int, message: str,
                 headers: dict[str, str] | None = None) -> web.Response:
    if wants_json(request):
        response = web.json_response({"error": message}, status=status)
    else:
        response = render_error_page(request, status, message)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except RateLimitedError as exc:
        return render_error(request, exc.status, exc.message, {"Retry-After": str(exc.retry_after)})
    except CommonholdError as exc:
        return render_error(request, exc.status, exc.message)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        headers = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else ""
        return render_error(request, exc.status,
                            message or _STATUS_TEXT.get(exc.status, exc.reason), headers)
    except Exception:
        log.exception("unhandled error: %s %s", request.method, request.path)
        return render_error(request, 500, _STATUS_TEXT[500])
