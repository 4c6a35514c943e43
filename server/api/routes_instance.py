"""The instance and what is the same for every caller: /api/v1/instance…, /api/v2/instance,
custom emoji, announcements and the caller's preferences."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web

from server.api import privacy, queries
from server.api.auth import require_token
from server.api.entities.accounts import render_account
from server.api.entities.common import iso
from server.api.entities.instance import (
    instance_v1,
    instance_v2,
    to_mastodon_activity,
    to_mastodon_domain_blocks,
    to_mastodon_preferences,
    to_mastodon_rule,
)
from server.api.rules import list_rules
from server.db import Conn
from server.errors import NotFoundError
from server.governance.charter import document
from server.governance.charter import service as charter
from server.governance.rules import queries as rules_q
from server.push import service as push_service
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()


def _monday(now: datetime) -> datetime:
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


async def _instance_parts(request: web.Request, conn: Conn) -> dict[str, Any]:
    config = request.app[CONFIG]
    four_weeks_ago = _monday(request.app[CLOCK].now()) - timedelta(weeks=3)
    stats = await queries.get_instance_stats(conn, active_since=four_weeks_ago.date())
    contact_id = await queries.get_contact_account_id(conn)
    contact = await render_account(conn, config, contact_id) if contact_id else None
    return {"stats": stats, "rules": await list_rules(conn), "contact_account": contact}


@routes.get("/api/v1/instance")
async def instance_get_v1(request: web.Request) -> web.Response:
    async with request.app[DB].acquire() as conn:
        parts = await _instance_parts(request, conn)
    return web.json_response(instance_v1(request.app[CONFIG], **parts))


@routes.get("/api/v2/instance")
async def instance_get_v2(request: web.Request) -> web.Response:
    async with request.app[DB].acquire() as conn:
        parts = await _instance_parts(request, conn)
    vapid_key = await push_service.public_key(request.app[DB], now=request.app[CLOCK].now())
    return web.json_response(instance_v2(request.app[CONFIG], **parts, vapid_key=vapid_key))


async def _charter_or_404(request: web.Request) -> Any:
    async with request.app[DB].acquire() as conn:
        current = await charter.find_charter_in_force(conn)
    if current is None:   # a new instance, before its founding charter is installed
        raise NotFoundError("Record not found")
    return current


@routes.get("/api/v1/instance/extended_description")
async def instance_extended_description(request: web.Request) -> web.Response:
    """The instance's longer description is its social charter, as in force."""
    current = await _charter_or_404(request)
    return web.json_response({"updated_at": iso(current.adopted_at),
                              "content": str(document.render_html(current.text))})


@routes.get("/api/v1/instance/terms_of_service")
async def instance_terms_of_service(request: web.Request) -> web.Response:
    """The terms everyone here agrees to are the charter: in force since its adoption, until
    the members amend it."""
    current = await _charter_or_404(request)
    return web.json_response({"effective_date": current.adopted_at.date().isoformat(),
                              "effective": True,
                              "content": str(document.render_html(current.text)),
                              "succeeded_by": None})


@routes.get("/api/v1/instance/rules")
async def instance_rules(request: web.Request) -> web.Response:
    async with request.app[DB].acquire() as conn:
        rules = await list_rules(conn)
    return web.json_response([to_mastodon_rule(r) for r in rules])


@routes.get("/api/v1/instance/peers")
async def instance_peers(request: web.Request) -> web.Response:
    async with request.app[DB].acquire() as conn:
        return web.json_response(await queries.list_peers(conn))


@routes.get("/api/v1/instance/activity")
async def instance_activity(request: web.Request) -> web.Response:
    async with request.app[DB].acquire() as conn:
        weeks = await queries.list_weekly_activity(
            conn, this_week=_monday(request.app[CLOCK].now()))
    return web.json_response(to_mastodon_activity(weeks))


@routes.get("/api/v1/instance/domain_blocks")
async def instance_domain_blocks(request: web.Request) -> web.Response:
    """The domains the members voted to suspend or limit, public like the rest of the
    governance record."""
    async with request.app[DB].acquire() as conn:
        policies = await rules_q.list_active_domain_policies(conn)
    return web.json_response(to_mastodon_domain_blocks(policies))


@routes.get("/api/v1/custom_emojis")
async def custom_emojis(request: web.Request) -> web.Response:
    return web.json_response([])   # there are no custom emoji on Commonhold


@routes.get("/api/v1/preferences")
async def preferences(request: web.Request) -> web.Response:
    token = await require_token(request, "read:accounts")
    assert token.account_id is not None
    async with request.app[DB].acquire() as conn:
        prefs = await queries.get_preferences(conn, account_id=token.account_id)
    if prefs is None:
        raise NotFoundError("Record not found")
    return web.json_response(to_mastodon_preferences(prefs))


@routes.get(r"/api/v1/instance/terms_of_service/{date}")
async def instance_terms_of_service_on(request: web.Request) -> web.Response:
    """The charter as adopted on that day (the last version of the day when several were):
    each adopted version is a version of the terms, in force until the next one."""
    try:
        day = date.fromisoformat(request.match_info["date"])
    except ValueError:
        raise NotFoundError("Record not found") from None
    async with request.app[DB].acquire() as conn:
        versions = await charter.list_versions(conn)
    days = [v.adopted_at.date() for v in versions]
    if day not in days:
        raise NotFoundError("Record not found")
    last = len(days) - 1 - days[::-1].index(day)
    later = next((d for d in days[last + 1:] if d != day), None)
    return web.json_response({"effective_date": day.isoformat(),
                              "effective": last == len(versions) - 1,
                              "content": str(document.render_html(versions[last].text)),
                              "succeeded_by": later.isoformat() if later else None})


@routes.get("/api/v1/instance/privacy_policy")
async def instance_privacy_policy(request: web.Request) -> web.Response:
    return web.json_response({"updated_at": iso(privacy.UPDATED_AT),
                              "content": privacy.render(request.app[CONFIG])})


@routes.get("/api/v1/instance/translation_languages")
async def instance_translation_languages(request: web.Request) -> web.Response:
    # No translation service is configured here, and Mastodon then answers an empty object.
    return web.json_response({})
