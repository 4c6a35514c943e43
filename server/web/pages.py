"""The landing page, the privacy policy and the health check."""

from __future__ import annotations

import logging

from aiohttp import web

from server.api import privacy
from server.governance.charter.service import registrations_mode
from server.web.html import render
from server.web.state import CONFIG, DB

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


@routes.get("/")
async def get_landing(request: web.Request) -> web.Response:
    async with request.app[DB].acquire() as conn:
        mode = await registrations_mode(conn, request.app[CONFIG])
    return await render(request, "landing.html", registrations=mode)


@routes.get("/privacy-policy")
async def get_privacy_policy(request: web.Request) -> web.Response:
    # The same text as /api/v1/instance/privacy_policy, for the instance entity's
    # urls.privacy_policy and for people reading it in a browser before signing up.
    from markupsafe import Markup

    return await render(request, "privacy_policy.html", updated_at=privacy.UPDATED_AT.date(),
                        policy=Markup(privacy.render(request.app[CONFIG])))


@routes.get("/health")
async def get_health(request: web.Request) -> web.Response:
    try:
        async with request.app[DB].acquire(timeout=3) as conn:
            await conn.fetchval("SELECT 1", timeout=3)
    except Exception as exc:  # noqa: BLE001 - whatever the failure, the answer is "unhealthy"
        # Not only connection errors: a connection the server ended under us can also surface
        # as asyncpg's InternalClientError. A health check must answer, never crash.
        log.warning("health check: database unreachable (%s: %s)", type(exc).__name__, exc)
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})
