"""A fake fediverse for tests: small aiohttp servers on loopback that behave like Mastodon
(or GoToSocial) where we need them to, reached through a resolver that knows only them.

Every fake host (`mastodon.test`, `gts.test`, and our own `ch.test`) resolves to a port on
127.0.0.1; any other name fails loudly, so no test can reach the network. The fakes sign
what they send with their own RSA keys through the same signing code a real delivery would
meet, and record every request they receive.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from server.clock import Clock
from server.federation.activitypub.signatures import (
    generate_rsa_keypair,
    load_private_key,
    sign_request,
    sign_request_rfc9421,
)

AP_JSON = "application/activity+json"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
_KEYS: list[tuple[str, str]] = []


def key_pair(index: int) -> tuple[str, str]:
    """(private PEM, public PEM) number `index`, generated once per test session."""
    while len(_KEYS) <= index:
        _KEYS.append(generate_rsa_keypair())
    return _KEYS[index]


_next_key = 0


def fresh_key() -> tuple[str, str]:
    global _next_key
    _next_key += 1
    return key_pair(_next_key % 12)


class FakeResolver(AbstractResolver):
    """Resolve the fake hosts to their loopback ports; refuse every other name."""

    def __init__(self, ports: dict[str, int]) -> None:
        self.ports = ports

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        if host not in self.ports:
            raise OSError(f"tests must not reach the network (tried {host!r})")
        return [ResolveResult(hostname=host, host="127.0.0.1", port=self.ports[host],
                              family=socket.AF_INET, proto=0, flags=socket.AI_NUMERICHOST)]

    async def close(self) -> None:
        return None


@dataclass
class FakeActor:
    server: FakeServer
    name: str
    display_name: str = ""
    summary: str = "<p>Testing things.</p>"
    locked: bool = False
    kind: str = "Person"
    fields: list[dict[str, str]] = field(default_factory=list)
    also_known_as: list[str] = field(default_factory=list)
    moved_to: str | None = None
    keys: tuple[str, str] = field(default_factory=fresh_key)

    @property
    def uri(self) -> str:
        return f"{self.server.base}/users/{self.name}"

    @property
    def key_id(self) -> str:
        # GoToSocial's key ids are a path of their own; Mastodon's a fragment of the actor.
        return f"{self.uri}/main-key" if self.server.software == "gotosocial" \
            else f"{self.uri}#main-key"

    @property
    def inbox(self) -> str:
        return f"{self.uri}/inbox"

    @property
    def acct(self) -> str:
        return f"{self.name}@{self.server.host}"

    @property
    def private_key(self) -> Any:
        return load_private_key(self.keys[0])

    def rotate_key(self) -> None:
        self.keys = fresh_key()

    def document(self) -> dict[str, Any]:
        """The actor as Mastodon 4.x serves it."""
        doc: dict[str, Any] = json.loads((PAYLOADS / "mastodon" / "actor.json").read_text())
        doc.update({
            "id": self.uri, "type": self.kind, "following": f"{self.uri}/following",
            "followers": f"{self.uri}/followers", "inbox": self.inbox,
            "outbox": f"{self.uri}/outbox", "featured": f"{self.uri}/collections/featured",
            "featuredTags": f"{self.uri}/collections/tags", "preferredUsername": self.name,
            "name": self.display_name or self.name.capitalize(), "summary": self.summary,
            "url": f"{self.server.base}/@{self.name}", "manuallyApprovesFollowers": self.locked,
            "publicKey": {"id": self.key_id, "owner": self.uri, "publicKeyPem": self.keys[1]},
            "endpoints": {"sharedInbox": f"{self.server.base}/inbox"},
            "attachment": [{"type": "PropertyValue", **f} for f in self.fields]
            or doc["attachment"],
        })
        doc["icon"]["url"] = f"{self.server.base}/system/accounts/avatars/{self.name}.png"
        doc["image"]["url"] = f"{self.server.base}/system/accounts/headers/{self.name}.jpg"
        doc.pop("alsoKnownAs", None)
        if self.also_known_as:
            doc["alsoKnownAs"] = list(self.also_known_as)
        if self.moved_to:
            doc["movedTo"] = self.moved_to
        return doc


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeServer:
    """A Mastodon-like server: WebFinger, actors, collections, objects; records requests."""

    def __init__(self, host: str, fediverse: Fediverse, *, software: str = "mastodon") -> None:
        self.host = host
        self.fediverse = fediverse
        self.software = software
        self.base = f"http://{host}"
        self.actors: dict[str, FakeActor] = {}
        self.objects: dict[str, dict[str, Any]] = {}   # path -> JSON document
        self.custom: dict[str, Handler] = {}           # path -> handler, checked first
        self.counts = {"followers": 3, "following": 5, "outbox": 42}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.received: list[Received] = []
        self.instance_actor = FakeActor(self, "actor", kind="Application")

    # --- set-up -------------------------------------------------------------------------

    def add_actor(self, name: str, **profile: Any) -> FakeActor:
        actor = FakeActor(self, name, **profile)
        self.actors[name] = actor
        return actor

    def add_object(self, doc: dict[str, Any]) -> None:
        self.objects[doc["id"].removeprefix(self.base)] = doc

    def fetches_of(self, path: str) -> int:
        return sum(1 for method, p, _ in self.requests if method == "GET" and
                   p.split("?")[0] == path)

    def received_at(self, path: str) -> list[Any]:
        return [r.json() for r in self.received if r.path == path]

    # --- sending ------------------------------------------------------------------------

    async def deliver(self, actor: FakeActor, activity: dict[str, Any], *, to: str,
                      **options: Any) -> tuple[int, str]:
        return await self.post_signed(actor, json.dumps(activity).encode(), to=to, **options)

    async def post_signed(self, actor: FakeActor, body: bytes, *, to: str,
                          now: datetime | None = None, content_type: str = AP_JSON,
                          sign: bool = True, send_body: bytes | None = None,
                          key_id: str | None = None, private_key: Any = None,
                          rfc9421: bool = False,
                          headers: dict[str, str] | None = None) -> tuple[int, str]:
        """POST `body` signed like Mastodon: rsa-sha256 over (request-target) host date
        digest content-type. `send_body` sends other bytes than were signed (tampering)."""
        out: dict[str, str] = {"Content-Type": content_type}
        if sign:
            signer = sign_request_rfc9421 if rfc9421 else sign_request
            out = signer(method="POST", url=to, body=body, key_id=key_id or actor.key_id,
                         private_key=private_key or actor.private_key,
                         now=now or self.fediverse.clock.now(),
                         extra_headers={"Content-Type": content_type})
        out.update(headers or {})
        async with self.fediverse.session.post(to, data=send_body if send_body is not None
                                               else body, headers=out) as resp:
            return resp.status, await resp.text()

    # --- serving ------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/.well-known/webfinger", self._webfinger)
        app.router.add_post("/inbox", self._inbox)
        app.router.add_post("/users/{name}/inbox", self._inbox)
        app.router.add_get("/{tail:.*}", self._get)
        return app

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs, dict(request.headers)))
        custom = self.custom.get(request.path)
        if custom is not None:
            return await custom(request)
        return await handler(request)

    async def _webfinger(self, request: web.Request) -> web.Response:
        resource = request.query.get("resource", "")
        name, _, host = resource.removeprefix("acct:").rpartition("@")
        actor = self.actors.get(name)
        if actor is None or host != self.host:
            return web.Response(status=404)
        return web.json_response({
            "subject": f"acct:{actor.acct}", "aliases": [f"{self.base}/@{name}", actor.uri],
            "links": [
                {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
                 "href": f"{self.base}/@{name}"},
                {"rel": "self", "type": AP_JSON, "href": actor.uri},
            ]}, content_type="application/jrd+json")

    async def _inbox(self, request: web.Request) -> web.Response:
        self.received.append(Received(request.path, dict(request.headers), await request.read()))
        return web.Response(status=202)

    async def _get(self, request: web.Request) -> web.Response:
        path = request.path
        parts = path.strip("/").split("/")
        doc: dict[str, Any] | None = self.objects.get(path)
        if doc is None and path == "/actor":
            doc = self.instance_actor.document()
            doc["id"] = f"{self.base}/actor"
            doc["publicKey"]["id"] = f"{self.base}/actor#main-key"
            doc["publicKey"]["owner"] = doc["id"]
            doc["preferredUsername"] = self.host
        elif doc is None and len(parts) >= 2 and parts[0] == "users" \
                and parts[1] in self.actors:
            doc = self._actor_resource(self.actors[parts[1]], parts[2:])
        if doc is None:
            return web.Response(status=404)
        return web.Response(body=json.dumps(doc).encode(), content_type=AP_JSON)

    def _actor_resource(self, actor: FakeActor, rest: list[str]) -> dict[str, Any] | None:
        if not rest:
            return actor.document()
        if rest == ["main-key"] and self.software == "gotosocial":
            return {"@context": "https://w3id.org/security/v1", "id": actor.key_id,
                    "owner": actor.uri, "publicKeyPem": actor.keys[1]}
        if len(rest) == 1 and rest[0] in self.counts:
            return {"@context": "https://www.w3.org/ns/activitystreams",
                    "id": f"{actor.uri}/{rest[0]}", "type": "OrderedCollection",
                    "totalItems": self.counts[rest[0]], "first": f"{actor.uri}/{rest[0]}?page=1"}
        return None


class Fediverse:
    """The fake servers of one test, the ports they listen on and a client to send with."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.ports: dict[str, int] = {}
        self.servers: dict[str, FakeServer] = {}
        self.session: aiohttp.ClientSession = None  # type: ignore[assignment]

    def add(self, host: str, *, software: str = "mastodon") -> FakeServer:
        server = FakeServer(host, self, software=software)
        self.servers[host] = server
        return server

    def __getitem__(self, host: str) -> FakeServer:
        return self.servers[host]

    def resolver(self) -> FakeResolver:
        return FakeResolver(self.ports)

    async def open(self) -> None:
        connector = aiohttp.TCPConnector(resolver=self.resolver())
        self.session = aiohttp.ClientSession(connector=connector)

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()


def payload(name: str) -> dict[str, Any]:
    """A captured-shape payload from tests/fixtures/payloads, with its real-looking https
    hosts rewritten to the plain-http fake servers (and to our own test host)."""
    text = (PAYLOADS / name).read_text()
    for host in ("mastodon.test", "gts.test", "ch.test"):
        text = text.replace(f"https://{host}", f"http://{host}")
    return json.loads(text)


async def never(_: web.Request) -> web.Response:
    """A handler that never answers (for timeouts); cancelled when its server stops."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable")
