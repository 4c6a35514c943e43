"""NodeInfo: the discovery document and the 2.0 and 2.1 documents that crawlers and other
servers read to learn what this server is and how busy."""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import metadata
from typing import Any

from aiohttp import web

from server.accounts import queries as accounts_q
from server.config import Config
from server.federation import queries
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
SOFTWARE = "commonhold"
SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/{version}"
VERSIONS = ("2.0", "2.1")
PROTOCOLS = ["activitypub"]
CHARTER_PATH = "/charter"
MODERATION_POLICY_PATH = "/about/moderation"


def software_version() -> str:
    try:
        return metadata.version(SOFTWARE)
    except metadata.PackageNotFoundError:
        return "0.0.0"


def nodeinfo_document(version: str, *, config: Config, users: int, active_month: int,
                      active_halfyear: int, local_posts: int) -> dict[str, Any]:
    software: dict[str, str] = {"name": SOFTWARE, "version": software_version()}
    if version == "2.1":
        software["homepage"] = config.base_url
    return {
        "version": version,
        "software": software,
        "protocols": list(PROTOCOLS),
        "services": {"outbound": [], "inbound": []},
        "usage": {
            "users": {"total": users, "activeMonth": active_month,
                      "activeHalfyear": active_halfyear},
            "localPosts": local_posts,
        },
        # Approval-only sign-ups still take new members, as Mastodon reports them.
        "openRegistrations": config.registrations != "closed",
        "metadata": {
            "nodeName": config.instance_name,
            "nodeDescription": config.instance_description,
            "charterUrl": config.url(CHARTER_PATH),
            "moderationPolicyUrl": config.url(MODERATION_POLICY_PATH),
            "registrations": config.registrations,
        },
    }


@routes.get("/.well-known/nodeinfo")
async def get_nodeinfo_links(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    response = web.json_response({"links": [
        {"rel": SCHEMA.format(version=v), "href": config.url(f"/nodeinfo/{v}")}
        for v in VERSIONS]})
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@routes.get(r"/nodeinfo/{version:2\.[01]}")
async def get_nodeinfo(request: web.Request) -> web.Response:
    version = request.match_info["version"]
    now = request.app[CLOCK].now()
    async with request.app[DB].acquire() as conn:
        users = await accounts_q.count_local_users(conn)
        month = await queries.count_active_local_users(conn, since=now - timedelta(days=30))
        halfyear = await queries.count_active_local_users(conn, since=now - timedelta(days=180))
        posts = await queries.count_local_posts(conn)
    doc = nodeinfo_document(version, config=request.app[CONFIG], users=users,
                            active_month=month, active_halfyear=halfyear, local_posts=posts)
    response = web.Response(body=json.dumps(doc).encode(), headers={
        "Content-Type": f'application/json; profile="{SCHEMA.format(version=version)}#"'})
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "max-age=1800, public"
    return response
