"""What W1, W2 and W3 share: remote actors seeded with their keys, pre-signed activities,
the app process (`inbox_app`, pinned to the app core) and the ways to drive its shared inbox.

Actors: `https://kNN.bench.invalid/users/aI` (1k by default, 50 per host) stored in
`accounts` with their public keys, as if fetched before. Generating 1k RSA keys would take
about a minute, so the actors share a pool of KEY_POOL key pairs (actor I signs with key
I % KEY_POOL and its row publishes the matching public key); the app parses a PEM once per
process either way (keyring cache of 4,096), so the pool does not make verification cheaper.

Bodies are signed BEFORE a timed run with server.federation.activitypub.signatures.
sign_request (draft-cavage rsa-sha256 over `(request-target) host date digest
content-type`, as Mastodon delivers), each with a distinct activity id, for the URL
`https://ch.bench.invalid/inbox`; they are POSTed to 127.0.0.1:<port> with that Host header.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import APP_CORE, BENCH_DIR, LOAD_CORE, pg_meter, process_meter, spawn_app, \
    stop_process, taskset_prefix
from bench.db import BASE_URL, EPOCH_MS, LOCAL_BASE, LOCAL_DOMAIN, PLACEHOLDER_HASH
from bench.load.openloop import have_wrk, open_loop, run_generator, wrk

KEY_POOL = 16
ACTOR_BASE = 10_000_000          # account ids of the seeded remote actors
INBOX_URL = f"{BASE_URL}/inbox"
LUA = BENCH_DIR / "load" / "wrk" / "post_signed_multi.lua"
LOCAL_STATUS_BASE = 1 << 40      # ids of the few local statuses that Likes and Announces hit


def actor_uri(i: int) -> str:
    return f"https://k{i // 20 % 50:02d}.bench.invalid/users/a{i}"


def unknown_actor_uri(i: int) -> str:
    """Served by the fleet (rNNNN.bench.invalid); not in the database until fetched."""
    return f"https://r{i % 1000:04d}.bench.invalid/users/n{i}"


_KEYS: list[tuple[Any, str]] = []


def key_pool() -> list[tuple[Any, str]]:
    """KEY_POOL (private key object, public PEM) pairs, made once per process."""
    if not _KEYS:
        from cryptography.hazmat.primitives import serialization

        from server.federation.keys import generate_rsa_keypair

        for _ in range(KEY_POOL):
            priv_pem, pub_pem = generate_rsa_keypair()
            _KEYS.append((serialization.load_pem_private_key(priv_pem.encode(), None), pub_pem))
    return _KEYS


async def seed_actors(conn: asyncpg.Connection, n_actors: int, *, n_local: int = 10,
                      watcher_follows_all: bool = False) -> dict[str, Any]:
    """n_actors known remote actors, n_local local accounts (u0 … with a few statuses that
    Likes and Announces point at) and, for W2, local u0 following every actor."""
    keys = key_pool()
    rows = []
    for i in range(n_actors):
        uri = actor_uri(i)
        host = uri.split("/")[2]
        rows.append((ACTOR_BASE + i, f"a{i}", host, uri, f"{uri}/inbox", f"https://{host}/inbox",
                     keys[i % KEY_POOL][1], f"{uri}#main-key", f"{uri}/followers"))
    now = datetime.now(UTC)
    await conn.executemany(
        """
        INSERT INTO accounts (id, username, domain, uri, url, inbox_url, shared_inbox_url,
                              public_key_pem, public_key_id, followers_url, created_at,
                              updated_at, fetched_at)
        VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10, $10, $10)""",
        [(*r, now) for r in rows])
    pub = keys[0][1]
    await conn.execute(
        """
        INSERT INTO accounts (id, username, domain, display_name, uri, url, inbox_url,
                              shared_inbox_url, outbox_url, followers_url, following_url,
                              public_key_pem, public_key_id, private_key_pem, created_at, updated_at)
        SELECT $1 + i, 'u' || i, NULL, 'User ' || i, $3 || '/users/u' || i, $3 || '/@u' || i,
               $3 || '/users/u' || i || '/inbox', $3 || '/inbox', $3 || '/users/u' || i || '/outbox',
               $3 || '/users/u' || i || '/followers', $3 || '/users/u' || i || '/following',
               $4, $3 || '/users/u' || i || '#main-key', NULL, $5, $5
          FROM generate_series(0, $2 - 1) AS i""",
        LOCAL_BASE, n_local, BASE_URL, pub, now)
    await conn.execute(
        """
        INSERT INTO users (id, account_id, email, password_hash, created_at)
        SELECT $1 + i, $1 + i, 'u' || i || '@bench.invalid', $3, $4
          FROM generate_series(0, $2 - 1) AS i""", LOCAL_BASE, n_local, PLACEHOLDER_HASH, now)
    await conn.execute(
        """
        INSERT INTO statuses (id, account_id, uri, local, content, text_source, visibility,
                              conversation_id, created_at, updated_at, language)
        SELECT $1::bigint + i, $2, $3 || '/users/u0/statuses/' || ($1::bigint + i), true, '<p>Local ' || i || '</p>',
               'Local ' || i, 'public', $1::bigint + i, to_timestamp($4 / 1000.0), to_timestamp($4 / 1000.0), 'en'
          FROM generate_series(0, 9) AS i""", LOCAL_STATUS_BASE, LOCAL_BASE, BASE_URL, EPOCH_MS)
    if watcher_follows_all:
        await conn.execute(
            """
            INSERT INTO follows (id, account_id, target_account_id, created_at)
            SELECT 11000000000 + i, $1, $2 + i, $4 FROM generate_series(0, $3 - 1) AS i""",
            LOCAL_BASE, ACTOR_BASE, n_actors, now)
    await conn.execute("ANALYZE")
    return {"actors": n_actors, "local": n_local, "watcher": LOCAL_BASE}


# --------------------------------------------------------------------------- activities

FILLER = ("Commonhold bench note: the quick brown fox jumps over the lazy dog, and the co-op "
          "meets on Thursday to vote on the charter. ") * 9  # ≈ 1.3 kB of content


def activity(kind: str, actor: str, tag: str, published: str) -> dict[str, Any]:
    public = "https://www.w3.org/ns/activitystreams#Public"
    note_id = f"{actor}/statuses/{tag}"
    base = {"@context": ["https://www.w3.org/ns/activitystreams",
                         {"sensitive": "as:sensitive", "Hashtag": "as:Hashtag"}],
            "actor": actor}
    target = f"{BASE_URL}/users/u0/statuses/{LOCAL_STATUS_BASE + sum(map(ord, tag)) % 10}"
    if kind in ("Create", "Update"):
        note = {"id": note_id, "type": "Note", "summary": None, "inReplyTo": None,
                "published": published, "url": f"{actor}/{tag}", "attributedTo": actor,
                "to": [public], "cc": [f"{actor}/followers"], "sensitive": False,
                "content": f"<p>{FILLER}#bench {tag}</p>", "contentMap": {"en": f"<p>{FILLER}</p>"},
                "attachment": [], "tag": [{"type": "Hashtag", "href": "https://x.bench.invalid/tags/bench",
                                           "name": "#bench"}], "replies": None}
        if kind == "Update":
            note["updated"] = published
        return base | {"id": f"{note_id}/activity/{kind.lower()}", "type": kind,
                       "published": published, "to": [public], "cc": [f"{actor}/followers"],
                       "object": note}
    if kind == "Like":
        return base | {"id": f"{actor}#likes/{tag}", "type": "Like", "object": target}
    if kind == "Announce":
        return base | {"id": f"{note_id}/activity", "type": "Announce", "published": published,
                       "to": [public], "cc": [f"{actor}/followers"], "object": target}
    if kind == "Delete":
        return base | {"id": f"{note_id}#delete", "type": "Delete", "to": [public],
                       "object": {"id": note_id, "type": "Tombstone"}}
    if kind == "Follow":
        return base | {"id": f"{actor}#follows/{tag}", "type": "Follow",
                       "object": f"{BASE_URL}/users/u{sum(map(ord, tag)) % 9 + 1}"}
    raise ValueError(kind)


def kind_for(n: int) -> str:
    """The W1 mix: Create 70 %, Like 15 %, Announce 10 %, Update 2 %, Delete 2 %, Follow 1 %."""
    r = (n * 37) % 100  # spread the kinds evenly through the stream
    return ("Create" if r < 70 else "Like" if r < 85 else "Announce" if r < 95 else
            "Update" if r < 97 else "Delete" if r < 99 else "Follow")


@dataclass
class Signed:
    body: bytes
    headers: dict[str, str]
    kind: str
    actor: str
    note_uri: str | None


def sign_all(specs: list[tuple[str, str, int, str]], *, now: datetime | None = None) -> list[Signed]:
    """specs: (kind, actor uri, key index, unique tag). Dates are `now` (default: the call)."""
    from server.federation.activitypub.signatures import sign_request

    keys = key_pool()
    now = now or datetime.now(UTC)
    published = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = []
    for kind, actor, k, tag in specs:
        doc = activity(kind, actor, tag, published)
        body = json.dumps(doc, separators=(",", ":")).encode()
        headers = sign_request(method="POST", url=INBOX_URL, body=body, key_id=f"{actor}#main-key",
                               private_key=keys[k % KEY_POOL][0], now=now,
                               extra_headers={"Content-Type": "application/activity+json"})
        out.append(Signed(body, headers, kind, actor,
                          f"{actor}/statuses/{tag}" if kind == "Create" else None))
    return out


def mixed_specs(n: int, n_actors: int, run_tag: str, *, kinds: str = "mix",
                unknown_every: int = 0, n_unknown: int = 0) -> list[tuple[str, str, int, str]]:
    """n activities in the W1 mix (or only Creates), actors round-robin; with unknown_every=k,
    every k-th comes from one of n_unknown actors the app must fetch (W3)."""
    specs = []
    for j in range(n):
        kind = "Create" if kinds == "create" else kind_for(j)
        if unknown_every and j % unknown_every == unknown_every - 1:
            u = (j // unknown_every) % n_unknown
            specs.append((kind, unknown_actor_uri(u), 0, f"{run_tag}-{j}"))
        else:
            a = (j * 7919) % n_actors
            specs.append((kind, actor_uri(a), a, f"{run_tag}-{j}"))
    return specs


def write_wrk_requests(signed: list[Signed], path: Path) -> None:
    """Raw HTTP/1.1 requests for post_signed_multi.lua: each as `<length>\\n<bytes>`."""
    with path.open("wb") as fh:
        for s in signed:
            head = "POST /inbox HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in s.headers.items())
            raw = head.encode() + f"Content-Length: {len(s.body)}\r\n\r\n".encode() + s.body
            fh.write(f"{len(raw)}\n".encode() + raw)


# --------------------------------------------------------------------------- the app

class AppProcess:
    """inbox_app in a subprocess on the app core; stopped by PID."""

    def __init__(self, dsn: str, *, workers: int = 0, fleet_ports: list[int] | None = None,
                 cert_pem: str | None = None, profile: str | None = None,
                 max_seconds: float = 1800) -> None:
        self.dsn, self.workers, self.fleet_ports = dsn, workers, fleet_ports or []
        self.cert_pem, self.profile, self.max_seconds = cert_pem, profile, max_seconds
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0
        self._dir = Path(tempfile.mkdtemp(prefix="commonhold-bench-inbox-"))

    def __enter__(self) -> AppProcess:
        cmd = [*taskset_prefix(APP_CORE), sys.executable, "-m", "bench.scenarios.inbox_app",
               "--dsn", self.dsn, "--workers", str(self.workers),
               "--max-seconds", str(self.max_seconds)]
        if self.fleet_ports:
            cmd += ["--fleet-ports", ",".join(map(str, self.fleet_ports))]
        if self.cert_pem:
            (self._dir / "cert.pem").write_text(self.cert_pem)
            cmd += ["--cert-file", str(self._dir / "cert.pem")]
        if self.profile:
            cmd += ["--profile", self.profile]
        self.proc, self.port = spawn_app(cmd, "inbox_app")
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/inbox"

    def __exit__(self, *exc: object) -> None:
        import shutil

        stop_process(self.proc)
        shutil.rmtree(self._dir, ignore_errors=True)


def payloads(signed: list[Signed]) -> list[tuple[bytes, dict[str, str]]]:
    return [(s.body, s.headers) for s in signed]


async def count_items(dsn: str, since_ms: int | None = None) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT count(*) FROM inbox_items")
    finally:
        await conn.close()


@dataclass
class Meters:
    app_pid: int
    postmaster_pid: int | None
    app: Any = None
    pg: Any = None
    wall: float = 0.0
    _t0: float = 0.0
    out: dict[str, float] = field(default_factory=dict)

    def __enter__(self) -> Meters:
        self.app = process_meter(self.app_pid)
        self.pg = pg_meter(self.postmaster_pid)
        self.app.start()
        if self.pg:
            self.pg.start()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._t0
        self.out = {"app_s": self.app.stop(), "pg_s": self.pg.stop() if self.pg else float("nan"),
                    "wall_s": self.wall}


def saturate_inbox(url_port: int, signed: list[Signed], *, duration: float,
                   connections: int = 32) -> dict[str, Any]:
    """Closed loop over the pre-signed bodies: wrk with post_signed_multi.lua on the load core
    when installed (each body sent once; it wraps around only if the run outlasts them, and
    then the repeats are duplicates: 202 without a store), else the Python closed loop."""
    url = f"http://127.0.0.1:{url_port}/inbox"
    if have_wrk():
        with tempfile.TemporaryDirectory(prefix="commonhold-bench-wrk-") as d:
            path = Path(d) / "requests.bin"
            write_wrk_requests(signed, path)
            os.environ["INBOX_REQUESTS"] = str(path)
            try:
                out = wrk(url, duration=duration, connections=connections, script=str(LUA),
                          core=LOAD_CORE)
            finally:
                os.environ.pop("INBOX_REQUESTS", None)
        out.pop("raw", None)
        return out
    return asyncio.run(_python_closed(url, signed, duration, connections))


async def _python_closed(url: str, signed: list[Signed], duration: float,
                         connections: int) -> dict[str, Any]:
    import aiohttp

    statuses: Counter[int] = Counter()
    nxt = 0
    end = time.perf_counter() + duration
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as s:
        async def client() -> None:
            nonlocal nxt
            while time.perf_counter() < end and nxt < len(signed):
                item = signed[nxt]
                nxt += 1
                async with s.post(url, data=item.body, headers=item.headers) as r:
                    await r.read()
                    statuses[r.status] += 1
        t0 = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(connections)))
        wall = time.perf_counter() - t0
    return {"mode": "closed", "tool": "python", "rps": sum(statuses.values()) / wall,
            "non_2xx": sum(n for st, n in statuses.items() if st >= 300)}


def open_inbox(port: int, signed: list[Signed], *, rate: float, duration: float,
               on_done: Any = None) -> dict[str, Any]:
    return run_generator(open_loop(f"http://127.0.0.1:{port}/inbox", rate=rate,
                                   duration=duration, method="POST", payloads=payloads(signed),
                                   on_done=on_done, max_in_flight=512))


def now_tag() -> str:
    return f"{int(time.time() * 1000) % 10**9}"


LOCAL_DOMAIN_ = LOCAL_DOMAIN
