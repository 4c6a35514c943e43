"""What the client-API scenarios (W5 over HTTP, W6, W7, streaming) share: OAuth tokens made
directly in the bench database, the app process (`api_app`, pinned to the app core) and the
ways to drive GETs as many users (wrk with get_rotating.lua, or the open-loop generator).

Tokens are `bench-token-<account id>`; their SHA-256 goes in oauth_access_tokens as the
OAuth flow would store it, under one application with every scope. Each user's
last_sign_in_at is set to the seeding time so the hourly activity write does not land in a
timed run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import APP_CORE, BENCH_DIR, LOAD_CORE, spawn_app, stop_process, taskset_prefix
from bench.load import copenloop
from bench.load.openloop import have_wrk, open_loop, wrk

APP_ID = 9_000_000_001
TOKEN_BASE = 9_100_000_000
SCOPES = ["read", "write", "follow", "push"]
GET_LUA = BENCH_DIR / "load" / "wrk" / "get_rotating.lua"


def token_for(account_id: int) -> str:
    return f"bench-token-{account_id}"


async def seed_tokens(conn: asyncpg.Connection, account_ids: list[int]) -> dict[int, str]:
    """One live token per (local) account; returns account id -> bearer token."""
    now = datetime.now(UTC)
    await conn.execute(
        """
        INSERT INTO oauth_applications (id, name, website, redirect_uris, scopes, client_id,
                                        client_secret_hash, created_at)
        VALUES ($1, 'bench', NULL, ARRAY['urn:ietf:wg:oauth:2.0:oob'], $2, 'bench-client',
                '\\x00'::bytea, $3) ON CONFLICT DO NOTHING""", APP_ID, SCOPES, now)
    rows = [(TOKEN_BASE + a, hashlib.sha256(token_for(a).encode()).digest(), APP_ID, a, SCOPES, now)
            for a in account_ids]
    await conn.executemany(
        """
        INSERT INTO oauth_access_tokens (id, token_hash, application_id, user_id, scopes, created_at)
        SELECT $1, $2, $3, u.id, $5, $6 FROM users u WHERE u.account_id = $4
        ON CONFLICT DO NOTHING""", rows)
    await conn.execute("UPDATE users SET last_sign_in_at = $1 WHERE account_id = ANY($2::bigint[])",
                       now, account_ids)
    return {a: token_for(a) for a in account_ids}


async def home_cursors(conn: asyncpg.Connection, account_ids: list[int], depth: int = 20) -> dict[int, int]:
    """The `depth`-th newest status of each user's home feed: a max_id for the next page."""
    rows = await conn.fetch(
        """
        SELECT u AS account_id,
               (SELECT status_id FROM home_feed WHERE account_id = u
                 ORDER BY status_id DESC OFFSET $2 - 1 LIMIT 1) AS cursor
          FROM unnest($1::bigint[]) AS u""", account_ids, depth)
    return {r["account_id"]: r["cursor"] for r in rows if r["cursor"] is not None}


class ApiApp:
    """api_app in a subprocess on the app core; stopped by PID."""

    def __init__(self, dsn: str, *, workers: int = 0, profile: str | None = None,
                 max_seconds: float = 1800, pool: int | None = None,
                 cache_stats: str | None = None) -> None:
        self.dsn, self.workers, self.profile = dsn, workers, profile
        self.cache_stats = cache_stats
        self.max_seconds, self.pool = max_seconds, pool
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> ApiApp:
        cmd = [*taskset_prefix(APP_CORE), sys.executable, "-m", "bench.scenarios.api_app",
               "--dsn", self.dsn, "--workers", str(self.workers),
               "--max-seconds", str(self.max_seconds)]
        if self.pool:   # else serve's pool size
            cmd += ["--pool", str(self.pool)]
        if self.profile:
            cmd += ["--profile", self.profile]
        if self.cache_stats:
            cmd += ["--cache-stats", self.cache_stats]
        self.proc, self.port = spawn_app(cmd, "api_app")
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start_profile(self) -> None:
        """With `profile`: start recording now (after the warm-up)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGUSR1)
        time.sleep(0.2)

    def reset_cache_counts(self) -> None:
        """With `cache_stats`: count the entity caches' lookups from now on."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGUSR2)
        time.sleep(0.2)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __exit__(self, *exc: object) -> None:
        stop_process(self.proc)


def wrk_get(port: int, pairs: list[tuple[str, str]], *, duration: float,
            connections: int = 32) -> dict[str, Any]:
    """Closed loop over (path, token) pairs with wrk on the load core (Python closed loop when
    wrk is missing)."""
    url = f"http://127.0.0.1:{port}{pairs[0][0]}"
    if not have_wrk():
        return asyncio.run(_python_closed(port, pairs, duration, connections))
    with tempfile.TemporaryDirectory(prefix="commonhold-bench-wrk-") as d:
        path = Path(d) / "requests.tsv"
        path.write_text("".join(f"{p}\t{t}\n" for p, t in pairs))
        os.environ["API_REQUESTS"] = str(path)
        try:
            out = wrk(url, duration=duration, connections=connections, script=str(GET_LUA),
                      core=LOAD_CORE)
        finally:
            os.environ.pop("API_REQUESTS", None)
    out.pop("raw", None)
    return out


async def _python_closed(port: int, pairs: list[tuple[str, str]], duration: float,
                         connections: int) -> dict[str, Any]:
    import aiohttp

    done = errors = 0
    nxt = 0
    end = time.perf_counter() + duration
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections)) as s:
        async def client() -> None:
            nonlocal done, errors, nxt
            while time.perf_counter() < end:
                p, t = pairs[nxt % len(pairs)]
                nxt += 1
                async with s.get(f"http://127.0.0.1:{port}{p}",
                                 headers={"Authorization": f"Bearer {t}"}) as r:
                    await r.read()
                    done += 1
                    errors += r.status >= 300
        t0 = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(connections)))
        wall = time.perf_counter() - t0
    return {"mode": "closed", "tool": "python", "rps": done / wall, "non_2xx": errors}


def get_targets(port: int, pairs: list[tuple[str, str]]) -> list[tuple[str, str, None, dict[str, str]]]:
    return [("GET", f"http://127.0.0.1:{port}{p}", None, {"Authorization": f"Bearer {t}"})
            for p, t in pairs]


def open_get(port: int, pairs: list[tuple[str, str]], *, rate: float, duration: float,
             generator: str = "c") -> dict[str, Any]:
    """Open-loop GETs over (path, token) pairs: by the C client (bench/load/copenloop.py)
    unless `generator` is "python" or no C compiler is here; the result's "client" says
    which ran."""
    url, targets = f"http://127.0.0.1:{port}/", get_targets(port, pairs)
    if generator == "c":
        out = copenloop.open_loop(url, rate=rate, duration=duration, targets=targets,
                                  max_in_flight=512)
        if out is not None:
            return out
    return asyncio.run(open_loop(url, rate=rate, duration=duration, targets=targets,
                                 max_in_flight=512))


async def seed_users(conn: asyncpg.Connection, account_ids: list[int]) -> None:
    """users rows (id = account id) for local accounts seeded without one (fans, authors)."""
    from bench.db import PLACEHOLDER_HASH

    await conn.execute(
        """
        INSERT INTO users (id, account_id, email, password_hash, created_at)
        SELECT a, a, 'a' || a || '@bench.invalid', $2, now() FROM unnest($1::bigint[]) AS a
        ON CONFLICT DO NOTHING""", account_ids, PLACEHOLDER_HASH)


POSTER_BASE = 6_500_000


async def seed_posters(conn: asyncpg.Connection, followers: int, count: int) -> list[int]:
    """`count` more local authors followed by the first `followers` W5 fans (bench.db's
    seed_fanout_authors must have made the fans): several authors per size keep each under
    the API's 300 posts per 3 hours."""
    from bench.db import BASE_URL, FAN_BASE, placeholder_keypair

    private_pem, public_pem = placeholder_keypair()
    ids = [POSTER_BASE + followers * 10 + j for j in range(count)]
    await conn.execute("SET session_replication_role = replica")
    try:
        for a in ids:
            name = f"poster{a - POSTER_BASE}"
            await conn.execute(
                """
                INSERT INTO accounts (id, username, domain, uri, url, inbox_url, shared_inbox_url,
                                      public_key_pem, public_key_id, private_key_pem, created_at, updated_at)
                VALUES ($1, $2, NULL, $3 || '/users/' || $2, $3 || '/@' || $2,
                        $3 || '/users/' || $2 || '/inbox', $3 || '/inbox', $4,
                        $3 || '/users/' || $2 || '#main-key', $5, now(), now())
                ON CONFLICT DO NOTHING""", a, name, BASE_URL, public_pem, private_pem)
            await conn.execute(
                """
                INSERT INTO follows (id, account_id, target_account_id, created_at)
                SELECT 4000000000 + $1::bigint * 100000 + i, $2 + i, $1, now()
                  FROM generate_series(0, $3 - 1) AS i ON CONFLICT DO NOTHING""", a, FAN_BASE, followers)
            await conn.execute(
                """
                INSERT INTO account_stats (account_id, statuses_count, followers_count, following_count)
                VALUES ($1, 0, $2, 0) ON CONFLICT DO NOTHING""", a, followers)
    finally:
        await conn.execute("SET session_replication_role = DEFAULT")
    await seed_users(conn, ids)
    await conn.execute("ANALYZE follows")
    return ids


def post_targets(port: int, tokens: list[str], n: int, tag: str) -> list[tuple[str, str, bytes, dict[str, str]]]:
    """n POST /api/v1/statuses requests spread over the authors' tokens, each with its own text."""
    out = []
    for i in range(n):
        body = json.dumps({"status": f"Bench post {tag}-{i}, written over HTTP #bench"}).encode()
        out.append(("POST", f"http://127.0.0.1:{port}/api/v1/statuses", body,
                    {"Authorization": f"Bearer {tokens[i % len(tokens)]}",
                     "Content-Type": "application/json"}))
    return out
