"""A private PostgreSQL for the benchmarks and deterministic datasets to put in it.

`BenchPostgres` starts an embedded server (pgserver) in a temporary directory and removes it
afterwards, or uses the server named by COMMONHOLD_BENCH_DATABASE_URL (it must allow CREATE
DATABASE). Each scenario gets a fresh database copied from a migrated template.

Datasets are generated in SQL with `INSERT ... SELECT generate_series`: the same seed gives
the same rows. Creating accounts through the service is far too slow for this (RSA key
generation and argon2 per account), so bulk accounts share one placeholder key pair and a
placeholder password hash; only accounts that really sign (the W4 sender) get their own key.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import LOAD_CORE, pin_tree, say
from server.db import copies

TEMPLATE = "commonhold_bench_template"
ENV_URL = "COMMONHOLD_BENCH_DATABASE_URL"
LOCAL_DOMAIN = "ch.bench.invalid"
BASE_URL = f"https://{LOCAL_DOMAIN}"
# 2026-01-01T00:00:00Z in ms: dataset ids and timestamps start here, one status per ms.
EPOCH_MS = 1_767_225_600_000
SEED_TIMEOUT = 3600.0  # seconds; the pool's command_timeout (60 s) is too short for dataset M
PLACEHOLDER_HASH = "$argon2id$v=19$m=8,t=1,p=1$YmVuY2hzYWx0$YmVuY2hoYXNoYmVuY2hoYXNo"

LOCAL_BASE = 1_000_000          # local account ids: LOCAL_BASE + i
REMOTE_BASE = 2_000_000         # remote account ids: REMOTE_BASE + i
FAN_BASE = 5_000_000            # fan-out followers (W5): FAN_BASE + i
FAN_AUTHOR_BASE = 6_000_000     # fan-out authors: FAN_AUTHOR_BASE + followers
SENDER_ID = 7_000_000           # the W4 sender
W4_FOLLOWER_BASE = 8_000_000    # W4 remote followers


@dataclass(frozen=True)
class Size:
    name: str
    local: int
    remote: int
    statuses: int
    follows: int        # follows per local user
    feed: int           # home feed entries kept per local user


SIZES = {
    "S": Size("S", local=200, remote=2_000, statuses=100_000, follows=150, feed=800),
    "M": Size("M", local=2_000, remote=20_000, statuses=1_000_000, follows=150, feed=800),
    "L": Size("L", local=10_000, remote=100_000, statuses=10_000_000, follows=150, feed=800),
}


class BenchPostgres:
    """A PostgreSQL server for one bench run (embedded unless COMMONHOLD_BENCH_DATABASE_URL)."""

    def __init__(self) -> None:
        self.admin_dsn = ""
        self.postmaster_pid: int | None = None
        self.start_seconds = 0.0
        self._server: Any = None
        self._scratch: Path | None = None
        self._template_ready = False

    async def __aenter__(self) -> BenchPostgres:
        external = os.environ.get(ENV_URL)
        t0 = time.perf_counter()
        if external:
            self.admin_dsn = external
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import pgserver
            self._scratch = Path(tempfile.mkdtemp(prefix="commonhold-bench-pg-"))
            self._server = await asyncio.to_thread(pgserver.get_server, self._scratch / "data",
                                                   cleanup_mode="delete")
            uri = self._server.get_uri()
            self.admin_dsn = f"postgresql://postgres@/postgres?host={uri.split('host=', 1)[1]}"
            pidfile = self._scratch / "data" / "postmaster.pid"
            try:
                self.postmaster_pid = int(pidfile.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                self.postmaster_pid = None
        self.start_seconds = time.perf_counter() - t0
        self.pin()
        return self

    @property
    def log_path(self) -> Path | None:
        """The embedded server's log (checkpoints are logged by default; None if external)."""
        return self._scratch / "data" / "log" if self._scratch is not None else None

    def pin(self) -> None:
        """PostgreSQL (postmaster and current backends) on the load core."""
        if self.postmaster_pid is not None:
            pin_tree(self.postmaster_pid, LOAD_CORE)

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            await asyncio.to_thread(self._server.cleanup)
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    async def _ensure_template(self) -> None:
        if self._template_ready:
            return
        await copies.build_template(self.admin_dsn, TEMPLATE)
        self._template_ready = True

    async def fresh_database(self, label: str) -> str:
        """A new migrated database; its DSN."""
        await self._ensure_template()
        return await copies.copy_of(self.admin_dsn, TEMPLATE, f"bench_{label}")

    async def drop_database(self, dsn: str) -> None:
        await copies.drop(self.admin_dsn, dsn)


# --------------------------------------------------------------------------- keys

_KEYS: tuple[str, str] | None = None


def placeholder_keypair() -> tuple[str, str]:
    """One RSA-2048 pair (private PEM, public PEM) shared by every bulk account of a run."""
    global _KEYS
    if _KEYS is None:
        from server.federation.keys import generate_rsa_keypair

        _KEYS = generate_rsa_keypair()
    return _KEYS


# --------------------------------------------------------------------------- dataset

async def seed_dataset(conn: asyncpg.Connection, size: Size, *, seed: int = 1) -> dict[str, Any]:
    """Local and remote accounts, statuses, follows and home feeds, all from generate_series.

    Triggers are off while loading (session_replication_role = replica) and the counters they
    keep are computed once at the end. Returns row counts and the seconds it took."""
    private_pem, public_pem = placeholder_keypair()
    t0 = time.perf_counter()
    n_accounts = size.local + size.remote
    await conn.execute("SET session_replication_role = replica")
    try:
        await conn.execute(
            """
            INSERT INTO accounts (id, username, domain, display_name, uri, url, inbox_url,
                                  shared_inbox_url, outbox_url, followers_url, following_url,
                                  public_key_pem, public_key_id, private_key_pem, created_at, updated_at)
            SELECT $1 + i, 'u' || i, NULL, 'User ' || i,
                   $3 || '/users/u' || i, $3 || '/@u' || i, $3 || '/users/u' || i || '/inbox',
                   $3 || '/inbox', $3 || '/users/u' || i || '/outbox',
                   $3 || '/users/u' || i || '/followers', $3 || '/users/u' || i || '/following',
                   $4, $3 || '/users/u' || i || '#main-key', $5,
                   to_timestamp($6 / 1000.0), to_timestamp($6 / 1000.0)
              FROM generate_series(0, $2 - 1) AS i""",
            LOCAL_BASE, size.local, BASE_URL, public_pem, private_pem, EPOCH_MS, timeout=SEED_TIMEOUT)
        await conn.execute(
            """
            INSERT INTO users (id, account_id, email, password_hash, created_at)
            SELECT $1 + i, $1 + i, 'u' || i || '@bench.invalid', $3, to_timestamp($4 / 1000.0)
              FROM generate_series(0, $2 - 1) AS i""",
            LOCAL_BASE, size.local, PLACEHOLDER_HASH, EPOCH_MS, timeout=SEED_TIMEOUT)
        # Remote actors live on 1 server per 20 actors: d0000.remote.bench.invalid ...
        await conn.execute(
            """
            INSERT INTO accounts (id, username, domain, display_name, uri, url, inbox_url,
                                  shared_inbox_url, public_key_pem, public_key_id, created_at,
                                  updated_at, fetched_at)
            SELECT $1 + i, 'r' || i, d, 'Remote ' || i,
                   'https://' || d || '/users/r' || i, 'https://' || d || '/@r' || i,
                   'https://' || d || '/users/r' || i || '/inbox', 'https://' || d || '/inbox',
                   $3, 'https://' || d || '/users/r' || i || '#main-key',
                   to_timestamp($4 / 1000.0), to_timestamp($4 / 1000.0), to_timestamp($4 / 1000.0)
              FROM generate_series(0, $2 - 1) AS i,
                   LATERAL (SELECT 'd' || lpad((i / 20)::text, 4, '0') || '.remote.bench.invalid') AS x(d)""",
            REMOTE_BASE, size.remote, public_pem, EPOCH_MS, timeout=SEED_TIMEOUT)
        # Statuses: one per millisecond from EPOCH_MS; a fifth by local authors. The author is
        # a multiplicative hash of the index, so the same seed gives the same rows.
        await conn.execute(
            """
            INSERT INTO statuses (id, account_id, uri, url, local, content, text_source, visibility,
                                  conversation_id, created_at, updated_at, language)
            SELECT ((($5::bigint + i)::bigint) << 16) | (i & 65535), a.id,
                   CASE WHEN a.loc THEN $6 || '/users/u' || a.n || '/statuses/' || i
                        ELSE 'https://remote.bench.invalid/s/' || i END,
                   NULL, a.loc,
                   '<p>Status ' || i || ' of the bench dataset, seed ' || $4::bigint || '. #bench</p>',
                   CASE WHEN a.loc THEN 'Status ' || i || ' #bench' END,
                   CASE WHEN h % 10 < 8 THEN 'public' WHEN h % 10 = 8 THEN 'unlisted' ELSE 'private' END,
                   ((($5::bigint + i)::bigint) << 16) | (i & 65535),
                   to_timestamp(($5::bigint + i) / 1000.0), to_timestamp(($5::bigint + i) / 1000.0), 'en'
              FROM generate_series(0, $1 - 1) AS i,
                   LATERAL (SELECT ((i::bigint * 2654435761 + $4::bigint) % 4294967296) AS h) AS hh,
                   LATERAL (SELECT (h % 5 = 0) AS loc,
                                   CASE WHEN h % 5 = 0 THEN (h / 5) % $2 ELSE (h / 5) % $3 END AS n) AS pick,
                   LATERAL (SELECT CASE WHEN pick.loc THEN $7 + pick.n ELSE $8 + pick.n END AS id,
                                   pick.loc, pick.n) AS a""",
            size.statuses, size.local, size.remote, seed, EPOCH_MS, BASE_URL,
            LOCAL_BASE, REMOTE_BASE, timeout=SEED_TIMEOUT)
        # Follows: each local user follows `follows` accounts picked by hash among all.
        await conn.execute(
            """
            INSERT INTO follows (id, account_id, target_account_id, created_at)
            SELECT 3000000000 + j::bigint * 1000 + k, $1 + j,
                   CASE WHEN t < $3 THEN $1 + t ELSE $4 + (t - $3) END,
                   to_timestamp($7 / 1000.0)
              FROM generate_series(0, $2 - 1) AS j, generate_series(0, $5 - 1) AS k,
                   LATERAL (SELECT ((j::bigint * 7919 + k::bigint * 104729 + $6) % $8)::int AS t) AS x
             WHERE NOT (t < $3 AND t = j)
            ON CONFLICT DO NOTHING""",
            LOCAL_BASE, size.local, size.local, REMOTE_BASE, size.follows, seed, EPOCH_MS,
            n_accounts, timeout=SEED_TIMEOUT)
        # Home feeds: each local user's newest `feed` statuses from the accounts they follow.
        await conn.execute(
            """
            INSERT INTO home_feed (account_id, status_id, author_id, reblog_of_id)
            SELECT u.id, f.status_id, f.account_id, NULL
              FROM accounts u,
                   LATERAL (SELECT s.id AS status_id, s.account_id
                              FROM follows fo,
                                   LATERAL (SELECT st.id, st.account_id FROM statuses st
                                             WHERE st.account_id = fo.target_account_id
                                               AND st.visibility <> 'direct'
                                             ORDER BY st.id DESC LIMIT $1) AS s
                             WHERE fo.account_id = u.id
                             ORDER BY s.id DESC LIMIT $1) AS f
             WHERE u.domain IS NULL AND u.id >= $2 AND u.id < $2 + $3""",
            size.feed, LOCAL_BASE, size.local, timeout=SEED_TIMEOUT)
        await conn.execute(
            """
            INSERT INTO account_stats (account_id, statuses_count, followers_count, following_count,
                                       last_status_at)
            SELECT a.id,
                   coalesce((SELECT count(*) FROM statuses s WHERE s.account_id = a.id), 0),
                   coalesce((SELECT count(*) FROM follows f WHERE f.target_account_id = a.id), 0),
                   coalesce((SELECT count(*) FROM follows f WHERE f.account_id = a.id), 0),
                   (SELECT max(created_at) FROM statuses s WHERE s.account_id = a.id)
              FROM accounts a
            ON CONFLICT (account_id) DO UPDATE SET statuses_count = EXCLUDED.statuses_count,
                followers_count = EXCLUDED.followers_count, following_count = EXCLUDED.following_count,
                last_status_at = EXCLUDED.last_status_at""", timeout=SEED_TIMEOUT)
    finally:
        await conn.execute("SET session_replication_role = DEFAULT")
    await conn.execute("ANALYZE", timeout=SEED_TIMEOUT)
    counts = {}
    for table in ("accounts", "statuses", "follows", "home_feed"):
        counts[table] = await conn.fetchval(f"SELECT count(*) FROM {table}")
    counts["seconds"] = round(time.perf_counter() - t0, 1)
    return counts


async def seed_fanout_authors(conn: asyncpg.Connection, sizes: list[int]) -> dict[int, int]:
    """Authors followed by exactly N local accounts (the first N of max(sizes) local 'fans').
    Returns N -> author account id. Idempotent."""
    private_pem, public_pem = placeholder_keypair()
    n_fans = max(sizes)
    await conn.execute("SET session_replication_role = replica")
    try:
        await conn.execute(
            """
            INSERT INTO accounts (id, username, domain, uri, url, inbox_url, shared_inbox_url,
                                  public_key_pem, public_key_id, private_key_pem, created_at, updated_at)
            SELECT $1 + i, 'fan' || i, NULL, $3 || '/users/fan' || i, $3 || '/@fan' || i,
                   $3 || '/users/fan' || i || '/inbox', $3 || '/inbox', $4,
                   $3 || '/users/fan' || i || '#main-key', $5, now(), now()
              FROM generate_series(0, $2 - 1) AS i
            ON CONFLICT DO NOTHING""",
            FAN_BASE, n_fans, BASE_URL, public_pem, private_pem)
        authors = {}
        for n in sizes:
            author_id = FAN_AUTHOR_BASE + n
            await conn.execute(
                """
                INSERT INTO accounts (id, username, domain, uri, url, inbox_url, shared_inbox_url,
                                      public_key_pem, public_key_id, private_key_pem, created_at, updated_at)
                VALUES ($1, 'author' || $2, NULL, $3 || '/users/author' || $2, $3 || '/@author' || $2,
                        $3 || '/users/author' || $2 || '/inbox', $3 || '/inbox', $4,
                        $3 || '/users/author' || $2 || '#main-key', $5, now(), now())
                ON CONFLICT DO NOTHING""",
                author_id, str(n), BASE_URL, public_pem, private_pem)
            await conn.execute(
                """
                INSERT INTO follows (id, account_id, target_account_id, created_at)
                SELECT 4000000000 + $1::bigint * 100000 + i, $2 + i, $1, now()
                  FROM generate_series(0, $3 - 1) AS i
                ON CONFLICT DO NOTHING""",
                author_id, FAN_BASE, n)
            authors[n] = author_id
    finally:
        await conn.execute("SET session_replication_role = DEFAULT")
    await conn.execute("ANALYZE accounts; ANALYZE follows")
    return authors


def zipf_allocation(n_items: int, n_bins: int, s: float = 1.0) -> list[int]:
    """Split n_items over n_bins Zipf-wise (bin k weighs 1/(k+1)^s), at least one per bin,
    deterministically (largest remainder)."""
    if n_items < n_bins:
        raise ValueError("need at least one item per bin")
    weights = [1 / (k + 1) ** s for k in range(n_bins)]
    total = sum(weights)
    spare = n_items - n_bins
    exact = [spare * w / total for w in weights]
    counts = [1 + int(e) for e in exact]
    left = n_items - sum(counts)
    order = sorted(range(n_bins), key=lambda k: (-(exact[k] - int(exact[k])), k))
    for k in order[:left]:
        counts[k] += 1
    return counts


def fleet_host(k: int) -> str:
    return f"r{k:04d}.bench.invalid"


async def seed_delivery_sender(conn: asyncpg.Connection, *, followers: int, servers: int,
                               private_pem: str, public_pem: str,
                               zipf_s: float = 1.0) -> dict[str, Any]:
    """A local sender followed by `followers` remote actors spread Zipf-wise over `servers`
    fake servers (rNNNN.bench.invalid), each with a shared inbox. Returns the sender's id,
    key id and the per-server follower counts."""
    await conn.execute(
        """
        INSERT INTO accounts (id, username, domain, uri, url, inbox_url, shared_inbox_url,
                              public_key_pem, public_key_id, private_key_pem, created_at, updated_at)
        VALUES ($1, 'sender', NULL, $2 || '/users/sender', $2 || '/@sender',
                $2 || '/users/sender/inbox', $2 || '/inbox', $3, $2 || '/users/sender#main-key',
                $4, now(), now())
        ON CONFLICT DO NOTHING""",
        SENDER_ID, BASE_URL, public_pem, private_pem)
    counts = zipf_allocation(followers, servers, zipf_s)
    rows = []
    i = 0
    for k, c in enumerate(counts):
        host = fleet_host(k)
        for _ in range(c):
            base = f"https://{host}/users/f{i}"
            rows.append((W4_FOLLOWER_BASE + i, f"f{i}", host, base, f"{base}/inbox",
                         f"https://{host}/inbox", f"{base}#main-key"))
            i += 1
    # Triggers are off while loading, so the follows' follower_remote flag (migration 0022,
    # which list_follower_inboxes reads) is written here rather than by its trigger.
    await conn.execute("SET session_replication_role = replica")
    try:
        await conn.executemany(
            """
            INSERT INTO accounts (id, username, domain, uri, inbox_url, shared_inbox_url,
                                  public_key_id, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now()) ON CONFLICT DO NOTHING""", rows)
        await conn.execute(
            """
            INSERT INTO follows (id, account_id, target_account_id, created_at, follower_remote)
            SELECT 9000000000 + (a.id - $2), a.id, $1, now(), a.domain IS NOT NULL
              FROM accounts a WHERE a.id >= $2 AND a.id < $2 + $3
            ON CONFLICT DO NOTHING""",
            SENDER_ID, W4_FOLLOWER_BASE, followers)
    finally:
        await conn.execute("SET session_replication_role = DEFAULT")
    await conn.execute("ANALYZE accounts; ANALYZE follows")
    return {"sender_id": SENDER_ID, "key_id": f"{BASE_URL}/users/sender#main-key",
            "per_server": counts}


def bench_config(**overrides: Any) -> Any:
    """A Config for service calls made by the benchmarks (never for serving the public)."""
    from server.config import load_config

    values: dict[str, Any] = {"domain": LOCAL_DOMAIN, "base_url": BASE_URL,
                              "secret_key": "bench-secret-key-0123456789abcdefghijklmnop",
                              "registrations": "open", "job_workers": 0,
                              "data_dir": Path(tempfile.gettempdir()) / "commonhold-bench-unused"}
    values.update(overrides)
    return load_config(env={}, overrides=values, discover_toml=False)


def now_utc() -> datetime:
    return datetime.now(UTC)


async def _main() -> None:
    """`python -m bench.db [S|M]`: seed a throwaway database and print how long it took."""
    import sys

    size = SIZES[sys.argv[1] if len(sys.argv) > 1 else "S"]
    async with BenchPostgres() as pg:
        dsn = await pg.fresh_database("seed")
        conn = await asyncpg.connect(dsn)
        try:
            say(await seed_dataset(conn, size))
        finally:
            await conn.close()


if __name__ == "__main__":
    asyncio.run(_main())
