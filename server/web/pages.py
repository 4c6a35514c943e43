"""The landing page and the health check."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from server.web.html import render
from server.web.state import DB

routes = web.RouteTableDef()


@routes.get("/")
async def get_landing(request: web.Request) -> web.Response:
    return await render(request, "landing.html")


@routes.get("/health")
async def get_health(request: web.Request) -> web.Response:
    try:
        async with request.app[DB].acquire(timeout=3) as conn:
            await conn.fetchval("SELECT 1", timeout=3)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})
