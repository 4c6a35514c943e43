"""Registering client API routes so that `/api/v1/instance/` answers like `/api/v1/instance`.

Clients and proxies add trailing slashes; Mastodon (Rails) ignores them. A redirect would turn
a POST into a GET in some clients, so each API route is registered a second time with the
slash instead, which also keeps 405 answers right for both spellings.
"""

from __future__ import annotations

from aiohttp import web


def add_api_routes(app: web.Application, table: web.RouteTableDef) -> None:
    for route in table:
        route.register(app.router)
        if isinstance(route, web.RouteDef) and route.path.startswith("/api/") \
                and not route.path.endswith("/"):
            web.RouteDef(route.method, route.path + "/", route.handler,
                         dict(route.kwargs)).register(app.router)
