"""Assembling the aiohttp application. Nothing here does work of its own."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver

from server.accounts import routes as account_routes
from server.api import routes_accounts as api_accounts
from server.api import routes_announcements as api_announcements
from server.api import routes_apps as api_apps
from server.api import routes_conversations as api_conversations
from server.api import routes_instance as api_instance
from server.api import routes_collections as api_collections
from server.api import routes_discovery as api_discovery
from server.api import routes_filters as api_filters
from server.api import routes_lists as api_lists
from server.api import routes_reports as api_reports
from server.api import routes_media as api_media
from server.api import routes_relations as api_relations
from server.api import routes_notification_groups as api_notification_groups
from server.api import routes_notification_requests as api_notification_requests
from server.api import routes_notifications as api_notifications
from server.api import routes_search as api_search
from server.api import routes_quotes as api_quotes
from server.api import routes_status_actions as api_status_actions
from server.api import routes_statuses as api_statuses
from server.api import routes_streaming as api_streaming
from server.api import routes_scheduled as api_scheduled
from server.api import routes_tags as api_tags
from server.api import routes_timelines as api_timelines
from server.api import routes_push as api_push
from server.api import routes_registration as api_registration
from server.api import routes_endorsements as api_endorsements
from server.api import routes_embeds as api_embeds
from server.api.auth import token_listener
from server.api.middleware import api_middleware
from server.api.ratecounter import rate_counter_flushes
from server.api.routing import add_api_routes
from server.cards import routes as card_routes
from server.clock import Clock, SystemClock
from server.config import Config
from server.db import Database
from server.governance import routes as governance_routes
from server.federation.activitypub.authorized_fetch import authorized_fetch_middleware
from server.federation import delivery
from server.federation.activitypub import http as ap_http
from server.federation.activitypub.unverified import load as web_load
from server.federation.activitypub.unverified import load_signal
from server.federation.activitypub.unverified import slots as verify_slots
from server.federation.routes import ROUTE_TABLES as FEDERATION_ROUTES
from server.jobs import periodic
from server.jobs.context import JobContext
from server.jobs.registry import PERIODIC, job_handlers
from server.media import defaults as media_defaults
from server.media import storage as media_storage
from server.oauth import pages as oauth_pages
from server.oauth import routes as oauth_routes
from server.polls import routes as poll_routes
from server.web import pages
from server.web.errors import error_middleware
from server.web.html import make_environment
from server.web.social.routes import TABLES as SOCIAL_ROUTES
from server.web.state import CLOCK, CONFIG, DB, HTTP, SERVICES, TEMPLATES

log = logging.getLogger(__name__)
WORKERS: web.AppKey[list[asyncio.Task[None]]] = web.AppKey("workers")


def create_app(config: Config, *, db: Database, clock: Clock | None = None,
               http: aiohttp.ClientSession | None = None, job_workers: int = 0) -> web.Application:
    """The web application over an open database. `job_workers` > 0 also runs job workers
    in this process (what `commonhold serve` does)."""
    # The API middleware wraps the error middleware so error answers carry rate-limit headers.
    app = web.Application(middlewares=[api_middleware, error_middleware,
                                       authorized_fetch_middleware],
                          client_max_size=config.max_body_bytes)
    web_load.install(app)   # the verify lane yields to requests when they pile up
    app[CONFIG] = config
    app[DB] = db
    app[CLOCK] = clock or SystemClock()
    app[TEMPLATES] = make_environment()
    app[SERVICES] = {}
    if http is None:
        # Built here (create_app runs inside the event loop) and closed on cleanup.
        app[HTTP] = make_client_session(config)
        app.on_cleanup.append(_close_http_session)
    else:
        app[HTTP] = http
    app.cleanup_ctx.append(token_listener)   # remembered tokens are forgotten on any change
    app.cleanup_ctx.append(rate_counter_flushes)   # a rate-limit flush under way is waited for
    # the web side's load, told to the verify lanes of processes without one
    app.cleanup_ctx.append(load_signal.publishing)
    if job_workers > 0:
        app.cleanup_ctx.append(_workers(job_workers))
    for table in (pages.routes, account_routes.routes, oauth_pages.routes, oauth_routes.routes,
                  media_storage.routes, media_defaults.routes, *governance_routes.TABLES,
                  *FEDERATION_ROUTES, *SOCIAL_ROUTES):
        app.add_routes(table)
    for table in (api_apps.routes, api_accounts.routes, api_instance.routes, poll_routes.routes,
                  api_media.routes, api_discovery.routes, api_relations.routes,
                  api_collections.routes, api_lists.routes, api_filters.routes,
                  api_reports.routes, api_tags.routes, api_scheduled.routes,
                  api_announcements.routes):
        add_api_routes(app, table)
    for table in (api_statuses.routes, api_status_actions.routes, api_quotes.routes,
                  api_timelines.routes,
                  api_notifications.routes, api_notification_requests.routes,
                  api_notification_groups.routes,
                  api_streaming.routes, api_search.routes,
                  api_conversations.routes):
        add_api_routes(app, table)
    add_api_routes(app, api_push.routes)
    add_api_routes(app, api_registration.routes)
    add_api_routes(app, api_endorsements.routes)
    add_api_routes(app, api_embeds.routes)
    add_api_routes(app, card_routes.routes)
    api_streaming.install(app)
    return app


def job_context(app: web.Application) -> JobContext:
    return JobContext(db=app[DB], clock=app[CLOCK], config=app[CONFIG], http=app.get(HTTP))


def make_client_session(config: Config, *,
                        resolver: AbstractResolver | None = None) -> aiohttp.ClientSession:
    """The one outgoing HTTP client. Its resolver refuses private addresses unless the
    configuration allows them; tests pass a resolver that maps fake hosts to loopback."""
    return ap_http.client_session(config, resolver=resolver)


async def _close_http_session(app: web.Application) -> None:
    await app[HTTP].close()


def _workers(count: int):  # type: ignore[no-untyped-def]
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        workers = delivery.make_workers(job_context(app), job_handlers(), job_workers=count,
                                        delivery_workers=app[CONFIG].delivery_workers)
        workers = verify_slots.with_own_slots(job_context(app), job_handlers(), workers)
        tasks = [asyncio.create_task(w.run_forever(stop), name="job-worker") for w in workers]
        tasks.append(asyncio.create_task(periodic.run_forever(job_context(app), PERIODIC, stop),
                                         name="periodic-jobs"))
        yield
        stop.set()
        _, late = await asyncio.wait(tasks, timeout=30)
        for task in late:
            log.warning("job worker did not stop in time; its jobs will be requeued")
            task.cancel()

    return ctx
