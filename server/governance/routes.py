"""Every governance route table, for server/app.py to register."""

from __future__ import annotations

from aiohttp import web

from server.governance import api
from server.governance.charter import routes as charter_routes
from server.governance.contributions import routes as contributions_routes
from server.governance.federation import routes as federation_routes
from server.governance.juries import routes as juries_routes
from server.governance.log import routes as log_routes
from server.governance.members import routes as members_routes
from server.governance.proposals import routes as proposals_routes

TABLES: tuple[web.RouteTableDef, ...] = (
    api.routes, charter_routes.routes, log_routes.routes, members_routes.routes,
    proposals_routes.routes, juries_routes.routes, contributions_routes.routes,
    federation_routes.routes,
)
