"""A fleet of fake remote fediverse servers on 127.0.0.1, for delivery and fetch benchmarks.

One process serves every fake server: each listens on 127.0.0.1 (one port, or a few) and the
servers are told apart by Host, as virtual hosts: `r0000.bench.invalid`, `r0001...`. The
app under test reaches them through `FleetResolver`, an aiohttp resolver that maps those
names to 127.0.0.1 and the fleet's port and refuses every other name, so no traffic leaves
the machine and /etc/hosts is never touched.

Each server has a sink inbox (shared `/inbox` and `/users/<name>/inbox`) that counts what
it accepted per inbox, checks the HTTP signature of every k-th request against the sender's
public key, and can add latency (`--latency-ms`) and answer a fraction of requests with 503
(`--error-rate`, with `Retry-After` unless `--retry-after ''`). GET `/users/<name>` and
WebFinger answer with a minimal actor document (for fetch scenarios). TLS uses a self-signed
ECDSA certificate for `*.bench.invalid` made with `cryptography`; clients trust it through
their SSL context (`client_ssl_context`).

Run as `python -m bench.fakes.fleet ...` (the benchmarks start it pinned to the load core and
stop it by PID; it also stops by itself after `--max-seconds`). It prints one JSON line with
its ports, then serves a control endpoint on a separate plain-HTTP port: GET /stats, POST /reset.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import ipaddress
import json
import os
import random
import resource
import signal
import socket
import ssl
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

FLEET_SUFFIX = ".bench.invalid"


# --------------------------------------------------------------------------- TLS

def make_self_signed_cert() -> tuple[str, str]:
    """(certificate PEM, private key PEM) for `*.bench.invalid`, `bench.invalid` and 127.0.0.1.
    ECDSA P-256 keeps the handshakes cheap for the fleet, which shares a core with PostgreSQL."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench.invalid")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("*.bench.invalid"), x509.DNSName("bench.invalid"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    return cert_pem, key_pem


def client_ssl_context(cert_pem: str) -> ssl.SSLContext:
    """What the app's client session uses to trust the fleet (and nothing else)."""
    ctx = ssl.create_default_context(cadata=cert_pem)
    return ctx


def server_ssl_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert_file), str(key_file))
    return ctx


# --------------------------------------------------------------------------- client side

class FleetResolver(AbstractResolver):
    """Maps `<name>.bench.invalid` to 127.0.0.1 and a fleet port; refuses everything else."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports

    def port_for(self, host: str) -> int:
        digits = "".join(ch for ch in host.split(".", 1)[0] if ch.isdigit())
        return self.ports[int(digits or 0) % len(self.ports)]

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        if not host.endswith(FLEET_SUFFIX) and host != "127.0.0.1":
            raise OSError(f"bench resolver: {host} is not a fleet host")
        return [{"hostname": host, "host": "127.0.0.1", "port": self.port_for(host),
                 "family": socket.AF_INET, "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        return None


def client_session(ports: list[int], *, cert_pem: str | None, limit: int = 200,
                   limit_per_host: int = 8, keepalive_timeout: float = 15.0,
                   user_agent: str = "Commonhold-bench") -> aiohttp.ClientSession:
    """A session shaped like server.app.make_client_session, but resolving fleet names to
    loopback and trusting the fleet's certificate."""
    ssl_ctx: ssl.SSLContext | bool = client_ssl_context(cert_pem) if cert_pem else False
    connector = aiohttp.TCPConnector(ssl=ssl_ctx, limit=limit, limit_per_host=limit_per_host,
                                     ttl_dns_cache=300, keepalive_timeout=keepalive_timeout,
                                     resolver=FleetResolver(ports))
    return aiohttp.ClientSession(connector=connector,
                                 timeout=aiohttp.ClientTimeout(total=30, connect=10),
                                 headers={"User-Agent": user_agent})


# --------------------------------------------------------------------------- the fleet

class Fleet:
    def __init__(self, *, latency_ms: float = 0.0, error_rate: float = 0.0,
                 retry_after: str = "1", verify_every: int = 20, public_key_pem: str | None = None,
                 scheme: str = "http", seed: int = 1, actor_key_pem: str = "",
                 fetch_latency_ms: float = 0.0) -> None:
        self.latency = latency_ms / 1000.0
        self.fetch_latency = fetch_latency_ms / 1000.0  # actor documents (W3 key fetches)
        self.fetches = 0
        self.fetches_in_flight = 0
        self.max_fetches_in_flight = 0
        self.actor_key_pem = actor_key_pem  # what GET /users/<name> publishes
        self.error_rate = error_rate
        self.retry_after = retry_after
        self.verify_every = max(verify_every, 0)
        self.scheme = scheme
        self.random = random.Random(seed)
        self.public_key = None
        if public_key_pem:
            from server.federation.activitypub import signatures

            self.public_key = signatures.load_public_key(public_key_pem)
        self.reset()

    def reset(self) -> None:
        self.posts = 0
        self.accepted: Counter[str] = Counter()
        self.injected_errors = 0
        self.verified = 0
        self.verify_failed = 0
        self.verify_error = ""
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.accepted_at: list[float] = []
        self.errored: set[str] = set()       # inboxes answered 503 at least once
        self.retried_at: list[float] = []    # acceptances that came after such a 503

    def stats(self, brief: bool = False) -> dict[str, Any]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        per_host: Counter[str] = Counter()
        for inbox, n in self.accepted.items():
            per_host[inbox.split("/", 1)[0]] += n
        if brief:
            return {"posts": self.posts, "accepted": len(self.accepted_at),
                    "injected_errors": self.injected_errors, "last_at": self.last_at}
        return {"posts": self.posts, "accepted": len(self.accepted_at),
                "accepted_at": self.accepted_at, "retried_at": self.retried_at,
                "inboxes": len(self.accepted), "hosts": len(per_host),
                "max_per_host": max(per_host.values(), default=0),
                "per_inbox": dict(self.accepted),
                "injected_errors": self.injected_errors, "verified": self.verified,
                "verify_failed": self.verify_failed, "verify_error": self.verify_error,
                "first_at": self.first_at, "last_at": self.last_at,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "fetches": self.fetches, "max_fetches_in_flight": self.max_fetches_in_flight,
                "rss_mib": usage.ru_maxrss / 1024}

    # -- handlers

    async def inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.posts += 1
        host = (request.host or "").split(":", 1)[0]
        inbox = f"{host}{request.path}"
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.error_rate and self.random.random() < self.error_rate:
            self.injected_errors += 1
            self.errored.add(inbox)
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return web.Response(status=503, headers=headers)
        if self.public_key is not None and self.verify_every and (self.posts - 1) % self.verify_every == 0:
            self._verify(request, body)
        now = time.time()
        self.first_at = self.first_at or now
        self.last_at = now
        self.accepted[inbox] += 1
        self.accepted_at.append(now)
        if inbox in self.errored:
            self.retried_at.append(now)
        return web.Response(status=202)

    def _verify(self, request: web.Request, body: bytes) -> None:
        from server.errors import CommonholdError
        from server.federation.activitypub import signatures

        try:
            parsed = signatures.parse_request_signature(
                method=request.method, path_qs=request.path_qs, headers=request.headers, body=body,
                now=dt.datetime.now(dt.UTC), scheme=self.scheme)
            signatures.verify_parsed(parsed, self.public_key)
            json.loads(body)
            self.verified += 1
        except (CommonholdError, ValueError) as exc:
            self.verify_failed += 1
            self.verify_error = self.verify_error or f"{type(exc).__name__}: {exc}"

    async def actor(self, request: web.Request) -> web.Response:
        host = (request.host or "").split(":", 1)[0]
        name = request.match_info["name"]
        base = f"https://{host}/users/{name}"
        self.fetches += 1
        self.fetches_in_flight += 1
        self.max_fetches_in_flight = max(self.max_fetches_in_flight, self.fetches_in_flight)
        try:
            if self.fetch_latency:
                await asyncio.sleep(self.fetch_latency)
        finally:
            self.fetches_in_flight -= 1
        return web.json_response({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": base, "type": "Person", "preferredUsername": name, "inbox": f"{base}/inbox",
            "outbox": f"{base}/outbox", "endpoints": {"sharedInbox": f"https://{host}/inbox"},
            "publicKey": {"id": f"{base}#main-key", "owner": base,
                          "publicKeyPem": self.actor_key_pem}},
            content_type="application/activity+json")

    async def webfinger(self, request: web.Request) -> web.Response:
        host = (request.host or "").split(":", 1)[0]
        resource_ = request.query.get("resource", "")
        name = resource_.removeprefix("acct:").split("@", 1)[0]
        if not name:
            return web.Response(status=404)
        return web.json_response({"subject": f"acct:{name}@{host}", "links": [
            {"rel": "self", "type": "application/activity+json",
             "href": f"https://{host}/users/{name}"}]}, content_type="application/jrd+json")

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/inbox", self.inbox)
        app.router.add_post("/users/{name}/inbox", self.inbox)
        app.router.add_get("/users/{name}", self.actor)
        app.router.add_get("/.well-known/webfinger", self.webfinger)
        return app

    def control_app(self, stop: asyncio.Event) -> web.Application:
        app = web.Application()

        async def stats(request: web.Request) -> web.Response:
            return web.json_response(self.stats(brief="brief" in request.query))

        async def reset(request: web.Request) -> web.Response:
            self.reset()
            return web.json_response({"ok": True})

        async def stop_(request: web.Request) -> web.Response:
            stop.set()
            return web.json_response({"ok": True})

        async def fetch_latency(request: web.Request) -> web.Response:
            # W3 measures the same mix with slow and with instant key servers in one run
            self.fetch_latency = float(request.query["ms"]) / 1000.0
            return web.json_response({"ok": True})

        app.router.add_get("/stats", stats)
        app.router.add_post("/reset", reset)
        app.router.add_post("/fetch-latency", fetch_latency)
        app.router.add_post("/stop", stop_)
        return app


async def serve(args: argparse.Namespace) -> None:
    from server.federation.keys import generate_rsa_keypair

    public_pem = Path(args.public_key_file).read_text() if args.public_key_file else None
    fleet = Fleet(latency_ms=args.latency_ms, error_rate=args.error_rate,
                  retry_after=args.retry_after, verify_every=args.verify_every,
                  public_key_pem=public_pem, scheme="https" if args.cert_file else "http",
                  seed=args.seed, fetch_latency_ms=args.fetch_latency_ms,
                  actor_key_pem=(Path(args.actor_key_file).read_text() if args.actor_key_file
                                 else generate_rsa_keypair()[1]))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    ssl_ctx = server_ssl_context(Path(args.cert_file), Path(args.key_file)) if args.cert_file else None
    runner = web.AppRunner(fleet.app(), access_log=None, handle_signals=False)
    await runner.setup()
    ports = []
    for _ in range(args.ports):
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_ctx, backlog=4096)
        await site.start()
        ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    control = web.AppRunner(fleet.control_app(stop), access_log=None, handle_signals=False)
    await control.setup()
    csite = web.TCPSite(control, "127.0.0.1", 0)
    await csite.start()
    control_port = csite._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(json.dumps({"pid": os.getpid(), "ports": ports, "control": control_port}), flush=True)
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.max_seconds)
    except TimeoutError:
        print("fleet: --max-seconds reached, stopping", file=sys.stderr)
    finally:
        await control.cleanup()
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ports", type=int, default=1, help="listening ports (servers share them by Host)")
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--error-rate", type=float, default=0.0)
    p.add_argument("--retry-after", default="1", help="Retry-After on injected 503s ('' for none)")
    p.add_argument("--verify-every", type=int, default=20, help="check every k-th signature (0: none)")
    p.add_argument("--public-key-file", help="the sender's public key PEM (for signature checks)")
    p.add_argument("--cert-file", help="TLS certificate PEM (TLS off without it)")
    p.add_argument("--key-file", help="TLS key PEM")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--fetch-latency-ms", type=float, default=0.0, help="delay of actor documents")
    p.add_argument("--actor-key-file", help="public key PEM the actor documents publish "
                   "(default: a fresh key held by the fleet)")
    p.add_argument("--max-seconds", type=float, default=900.0, help="stop by itself after this")
    from server.cli import run_loop

    # uvloop where installed: remote servers have cores of their own, the fleet shares ours
    # with PostgreSQL, so the less CPU its TLS handshakes take the less it skews the figures.
    run_loop(serve(p.parse_args(argv)))


if __name__ == "__main__":
    main()


# --------------------------------------------------------------------------- launching

class FleetProcess:
    """Start the fleet as a subprocess (pinned to the load core when possible), talk to its
    control port, and stop it by PID."""

    def __init__(self, *, latency_ms: float = 0.0, error_rate: float = 0.0, retry_after: str = "1",
                 tls: bool = False, public_key_pem: str | None = None, verify_every: int = 20,
                 ports: int = 1, max_seconds: float = 900.0, core: int | None = None,
                 fetch_latency_ms: float = 0.0, actor_public_pem: str | None = None) -> None:
        self.opts = dict(latency_ms=latency_ms, error_rate=error_rate, retry_after=retry_after,
                         verify_every=verify_every, ports=ports, max_seconds=max_seconds)
        self.fetch_latency_ms = fetch_latency_ms
        self.actor_public_pem = actor_public_pem
        self.tls = tls
        self.public_key_pem = public_key_pem
        self.core = core
        self.cert_pem: str | None = None
        self.ports: list[int] = []
        self.control = 0
        self.proc: asyncio.subprocess.Process | None = None
        self._dir: Path | None = None

    async def __aenter__(self) -> FleetProcess:
        import tempfile

        from bench.common import LOAD_CORE, REPO_DIR, taskset_prefix

        self._dir = Path(tempfile.mkdtemp(prefix="commonhold-bench-fleet-"))
        cmd = [*taskset_prefix(LOAD_CORE if self.core is None else self.core), sys.executable,
               "-m", "bench.fakes.fleet",
               "--ports", str(self.opts["ports"]), "--latency-ms", str(self.opts["latency_ms"]),
               "--error-rate", str(self.opts["error_rate"]), "--retry-after", self.opts["retry_after"],
               "--verify-every", str(self.opts["verify_every"]),
               "--max-seconds", str(self.opts["max_seconds"])]
        cmd += ["--fetch-latency-ms", str(self.fetch_latency_ms)]
        if self.actor_public_pem:
            (self._dir / "actor.pub").write_text(self.actor_public_pem)
            cmd += ["--actor-key-file", str(self._dir / "actor.pub")]
        if self.public_key_pem:
            (self._dir / "sender.pub").write_text(self.public_key_pem)
            cmd += ["--public-key-file", str(self._dir / "sender.pub")]
        if self.tls:
            cert, key = make_self_signed_cert()
            (self._dir / "cert.pem").write_text(cert)
            (self._dir / "key.pem").write_text(key)
            self.cert_pem = cert
            cmd += ["--cert-file", str(self._dir / "cert.pem"), "--key-file", str(self._dir / "key.pem")]
        self.proc = await asyncio.create_subprocess_exec(
            *cmd, cwd=str(REPO_DIR), stdout=asyncio.subprocess.PIPE)
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout=30)
        if not line:
            raise RuntimeError("fleet did not start")
        info = json.loads(line)
        self.ports, self.control = info["ports"], info["control"]
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def _call(self, method: str, path: str) -> dict[str, Any]:
        async with aiohttp.ClientSession() as s, s.request(
                method, f"http://127.0.0.1:{self.control}{path}") as r:
            return await r.json()

    async def stats(self, brief: bool = False) -> dict[str, Any]:
        return await self._call("GET", "/stats?brief=1" if brief else "/stats")

    async def reset(self) -> None:
        await self._call("POST", "/reset")

    async def set_fetch_latency(self, ms: float) -> None:
        """Change how long actor documents take, from now on."""
        await self._call("POST", f"/fetch-latency?ms={ms:g}")

    def session(self, **kwargs: Any) -> aiohttp.ClientSession:
        return client_session(self.ports, cert_pem=self.cert_pem, **kwargs)

    def app_session(self, config: Any, **kwargs: Any) -> aiohttp.ClientSession:
        """The app's own client session (server.federation.activitypub.http), reaching the
        fleet through FleetResolver and trusting its certificate."""
        from server.federation.activitypub import http

        ssl_ctx = client_ssl_context(self.cert_pem) if self.cert_pem else None
        return http.client_session(config, resolver=FleetResolver(self.ports), ssl_context=ssl_ctx,
                                   **kwargs)

    async def __aexit__(self, *exc: object) -> None:
        import shutil

        if self.proc is not None and self.proc.returncode is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout=10)
            except TimeoutError:
                os.kill(self.proc.pid, signal.SIGKILL)
                await self.proc.wait()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
