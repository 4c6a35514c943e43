"""Every federation route table, for `create_app` to add in one line."""

from __future__ import annotations

from server.federation import nodeinfo, webfinger
from server.federation.activitypub import actors, collections, inbox_routes, objects, \
    quote_stamps

ROUTE_TABLES = (webfinger.routes, nodeinfo.routes, actors.routes, collections.routes,
                objects.routes, inbox_routes.routes, quote_stamps.routes)
