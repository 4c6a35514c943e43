"""Discovery: WebFinger (RFC 7033) and host-meta (RFC 6415).

`resource` may be `acct:name@domain` (also without `acct:` or with a leading `@`), an
actor URL (`https://domain/users/name`), a profile URL (`https://domain/@name`), or the
instance actor's URL or acct. A missing or unreadable resource is a 400; anything that is
not one of our accounts (another domain included) is a 404.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from aiohttp import web

from server.config import Config
from server.errors import BadRequestError, NotFoundError
from server.federation import queries, uris
from server.federation.activitypub import instance_actor
from server.governance.federation import actor as coop_actor
from server.web.state import CLOCK, CONFIG, DB

routes = web.RouteTableDef()
_ACTOR_PATH = re.compile(r"^/(?:users/|@)([A-Za-z0-9_]+)/?$")
# Mastodon caches WebFinger answers for three days and refusals for three minutes.
CACHE_OK = "max-age=259200, public"
CACHE_REFUSED = "max-age=180, public"
SUBSCRIBE_TEMPLATE = "/authorize_interaction?uri={uri}"
INSTANCE = object()


def _resource_username(resource: str, config: Config) -> str | object:
    """The local username a resource names, INSTANCE for the instance actor.
    Raises BadRequestError (unreadable) or NotFoundError (not ours)."""
    text = resource.strip()
    if text.startswith(("https://", "http://")):
        parts = urlsplit(text)
        if uris.host_of(text) != uris.host_of(config.base_url):
            raise NotFoundError("That resource is not on this server.")
        if parts.path.rstrip("/") == instance_actor.PATH:
            return INSTANCE
        if parts.path.rstrip("/") == coop_actor.PATH:
            return coop_actor.USERNAME
        match = _ACTOR_PATH.match(parts.path)
        if match is None:
            raise NotFoundError("That resource is not an account here.")
        return match.group(1)
    text = text.removeprefix("acct:").lstrip("@")
    username, at, domain = text.rpartition("@")
    if not at or not username or not domain or " " in text or "/" in text:
        raise BadRequestError("resource must look like acct:name@domain or an account's URL")
    if domain.lower() != config.domain.lower():
        raise NotFoundError("That account is not on this server.")
    if username.lower() in (config.domain.lower(), instance_actor.ALIAS):
        return INSTANCE
    return username


def _jrd(doc: dict[str, object]) -> web.Response:
    response = web.Response(body=json.dumps(doc).encode(),
                            headers={"Content-Type": "application/jrd+json; charset=utf-8"})
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = CACHE_OK
    return response


@routes.get("/.well-known/webfinger")
async def get_webfinger(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    resource = request.query.get("resource", "")
    if not resource.strip():
        raise BadRequestError("The resource parameter is required.")
    named = _resource_username(resource, config)
    if named is INSTANCE:
        actor = instance_actor.uri(config)
        return _jrd({
            "subject": f"acct:{instance_actor.username(config)}@{config.domain}",
            "aliases": [actor],
            "links": [
                {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
                 "href": config.url("/about")},
                {"rel": "self", "type": "application/activity+json", "href": actor},
            ]})
    assert isinstance(named, str)
    if named.lower() == coop_actor.USERNAME:
        return await _coop_jrd(request, config)
    async with request.app[DB].acquire() as conn:
        account = await queries.get_local_actor(conn, username=named)
    if account is None:
        raise NotFoundError("There is no such account here.")
    username = account["username"]
    profile = config.url(f"/@{username}")
    return _jrd({
        "subject": f"acct:{username}@{config.domain}",
        "aliases": [profile, account["uri"]],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
             "href": profile},
            {"rel": "self", "type": "application/activity+json", "href": account["uri"]},
            {"rel": "http://ostatus.org/schema/1.0/subscribe",
             "template": config.url(SUBSCRIBE_TEMPLATE)},
        ]})


async def _coop_jrd(request: web.Request, config: Config) -> web.Response:
    """The cooperative's governance actor (a Group, made on first use)."""
    async with request.app[DB].transaction() as conn:
        coop = await coop_actor.ensure_coop_account(conn, config=config,
                                                    now=request.app[CLOCK].now())
    return _jrd({
        "subject": f"acct:{coop_actor.USERNAME}@{config.domain}",
        "aliases": [coop.uri],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
             "href": config.url("/proposals")},
            {"rel": "self", "type": "application/activity+json", "href": coop.uri},
        ]})


def _lrdd_template(config: Config) -> str:
    return config.url("/.well-known/webfinger") + "?resource={uri}"


@routes.get("/.well-known/host-meta")
async def get_host_meta(request: web.Request) -> web.Response:
    template = quoteattr(_lrdd_template(request.app[CONFIG]))
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
            f'  <Link rel="lrdd" template={template}/>\n'
            '</XRD>\n')
    response = web.Response(text=body, content_type="application/xrd+xml", charset="utf-8")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = CACHE_OK
    return response


@routes.get("/.well-known/host-meta.json")
async def get_host_meta_json(request: web.Request) -> web.Response:
    response = web.json_response({"links": [
        {"rel": "lrdd", "template": _lrdd_template(request.app[CONFIG])}]})
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = CACHE_OK
    return response
