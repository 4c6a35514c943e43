"""Configuration: defaults < commonhold.toml < environment < command-line flags.

The environment variable names are part of the deployment contract and never change:
DATABASE_URL, COMMONHOLD_DOMAIN, COMMONHOLD_BASE_URL, COMMONHOLD_DATA_DIR,
COMMONHOLD_SECRET_KEY, COMMONHOLD_REGISTRATIONS, COMMONHOLD_ALLOW_HTTP,
COMMONHOLD_ALLOW_PRIVATE_ADDRESSES.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from server.errors import ConfigError

REGISTRATION_MODES = ("open", "approval", "closed")

# setting name -> (environment variable, kind)
SETTINGS: dict[str, tuple[str, str]] = {
    "domain": ("COMMONHOLD_DOMAIN", "str"),
    "base_url": ("COMMONHOLD_BASE_URL", "str"),
    "database_url": ("DATABASE_URL", "str"),
    "data_dir": ("COMMONHOLD_DATA_DIR", "path"),
    "secret_key": ("COMMONHOLD_SECRET_KEY", "str"),
    "instance_name": ("COMMONHOLD_INSTANCE_NAME", "str"),
    "instance_description": ("COMMONHOLD_INSTANCE_DESCRIPTION", "str"),
    "registrations": ("COMMONHOLD_REGISTRATIONS", "str"),
    "allow_http": ("COMMONHOLD_ALLOW_HTTP", "bool"),
    "allow_private_addresses": ("COMMONHOLD_ALLOW_PRIVATE_ADDRESSES", "bool"),
    "trust_proxy_headers": ("COMMONHOLD_TRUST_PROXY_HEADERS", "bool"),
    "authorized_fetch": ("COMMONHOLD_AUTHORIZED_FETCH", "bool"),
    "inbox_defer_unknown_keys": ("COMMONHOLD_INBOX_DEFER_UNKNOWN_KEYS", "bool"),
    "host": ("COMMONHOLD_HOST", "str"),
    "port": ("COMMONHOLD_PORT", "int"),
    "job_workers": ("COMMONHOLD_JOB_WORKERS", "int"),
    "delivery_workers": ("COMMONHOLD_DELIVERY_WORKERS", "int"),
    "max_body_bytes": ("COMMONHOLD_MAX_BODY_BYTES", "int"),
    "contact_email": ("COMMONHOLD_CONTACT_EMAIL", "str"),
    "source_url": ("COMMONHOLD_SOURCE_URL", "str"),
    "token_cache_seconds": ("COMMONHOLD_TOKEN_CACHE_SECONDS", "int"),
}

SECRET_SETTINGS = frozenset({"secret_key", "database_url"})
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Config:
    domain: str = ""
    base_url: str = ""
    database_url: str | None = None
    data_dir: Path = Path("data")
    secret_key: str = ""
    instance_name: str = "Commonhold"
    instance_description: str = "A fediverse server owned and governed by its members."
    registrations: str = "open"
    allow_http: bool = False
    allow_private_addresses: bool = False
    trust_proxy_headers: bool = False
    authorized_fetch: bool = False
    # Inbox POSTs signed by a key we do not have are verified by a job, not by the web
    # process (server.federation.activitypub.unverified).
    inbox_defer_unknown_keys: bool = True
    host: str = "127.0.0.1"
    port: int = 8080
    job_workers: int = 32
    # Deliveries mostly wait on remote servers (and hold no database connection meanwhile):
    # they get a worker of their own with many more in flight. 0: the job workers take them.
    delivery_workers: int = 128
    max_body_bytes: int = 40 * 1024 * 1024
    # Shown to clients as the instance's contact address and where its source code is.
    contact_email: str = ""
    source_url: str = ""
    # How long a web process may go on trusting an API token it verified (0: never
    # remember). Copies are kept only while the process hears every change to tokens
    # (server/api/auth.py), so this bounds a copy's life, not how late a revocation counts:
    # a busy token is read again once per life, and at 5 s W6's 2,000 tokens cost half a
    # statement per request.
    token_cache_seconds: int = 60

    @property
    def is_development(self) -> bool:
        """No domain given: a local instance on loopback, reachable over plain http."""
        return self.domain.startswith("localhost")

    @property
    def media_dir(self) -> Path:
        """Uploaded files (avatars, headers, attachments), served under /system/."""
        return self.data_dir / "media"

    def url(self, path: str) -> str:
        """An absolute public URL; never built from the request (reverse proxies lie)."""
        return self.base_url.rstrip("/") + path

    def masked(self) -> dict[str, str]:
        shown: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_SETTINGS and value:
                shown[f.name] = _mask(f.name, str(value))
            else:
                shown[f.name] = "" if value is None else str(value)
        return shown


def _mask(name: str, value: str) -> str:
    if name == "database_url":
        parts = urlsplit(value)
        if parts.password:
            return value.replace(f":{parts.password}@", ":****@")
        return value
    return "****" + value[-4:] if len(value) > 8 else "****"


def _parse(name: str, kind: str, raw: object, origin: str) -> object:
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ConfigError(f"{origin}: {name} must be true or false, not {raw!r}")
    if kind == "int":
        if isinstance(raw, bool):
            raise ConfigError(f"{origin}: {name} must be a whole number, not {raw!r}")
        try:
            return int(str(raw).strip())
        except ValueError:
            raise ConfigError(f"{origin}: {name} must be a whole number, not {raw!r}") from None
    if not isinstance(raw, str):
        raise ConfigError(f"{origin}: {name} must be a string, not {raw!r}")
    if kind == "path":
        return Path(raw).expanduser()
    return raw.strip()


def read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    unknown = sorted(set(data) - set(SETTINGS))
    if unknown:
        raise ConfigError(f"{path}: unknown setting {unknown[0]!r}")
    return {k: _parse(k, SETTINGS[k][1], v, str(path)) for k, v in data.items()}


def load_config(
    env: Mapping[str, str] | None = None,
    *,
    overrides: Mapping[str, object] | None = None,
    toml_path: Path | None = None,
    discover_toml: bool = True,
) -> Config:
    """Build and validate the effective configuration. Raises ConfigError with one clear line."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    if toml_path is None and env.get("COMMONHOLD_CONFIG"):
        toml_path = Path(env["COMMONHOLD_CONFIG"])
        if not toml_path.exists():
            raise ConfigError(f"COMMONHOLD_CONFIG: {toml_path} does not exist")
    if toml_path is None and discover_toml and Path("commonhold.toml").exists():
        toml_path = Path("commonhold.toml")
    if toml_path is not None:
        values.update(read_toml(toml_path))
    for name, (var, kind) in SETTINGS.items():
        raw = env.get(var)
        if raw is not None and raw != "":
            values[name] = _parse(name, kind, raw, var)
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
    return _finish(Config(**values))  # type: ignore[arg-type]


def _finish(cfg: Config) -> Config:
    if not cfg.domain:
        # Development default: the instance names itself after the loopback port it serves.
        cfg = replace(cfg, domain=f"localhost:{cfg.port}", allow_http=True)
    if not cfg.base_url:
        scheme = "http" if cfg.is_development else "https"
        cfg = replace(cfg, base_url=f"{scheme}://{cfg.domain}")
    cfg = replace(cfg, base_url=cfg.base_url.rstrip("/"))
    validate(cfg)
    return cfg


def validate(cfg: Config) -> None:
    for problem in problems(cfg):
        raise ConfigError(problem)


def problems(cfg: Config) -> list[str]:
    """Everything wrong with a configuration, one line each (empty when it is usable)."""
    found: list[str] = []
    if "/" in cfg.domain or "://" in cfg.domain or " " in cfg.domain:
        found.append(f"COMMONHOLD_DOMAIN: {cfg.domain!r} must be a bare host name, like social.example")
    parts = urlsplit(cfg.base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        found.append(f"COMMONHOLD_BASE_URL: {cfg.base_url!r} must be an http(s) URL")
    elif parts.scheme == "http" and not cfg.allow_http:
        found.append("COMMONHOLD_BASE_URL: plain http needs COMMONHOLD_ALLOW_HTTP=true "
                     "(meant only for loopback development and tests)")
    if cfg.registrations not in REGISTRATION_MODES:
        found.append(f"COMMONHOLD_REGISTRATIONS: {cfg.registrations!r} must be one of "
                     + ", ".join(REGISTRATION_MODES))
    if cfg.database_url is not None and cfg.database_url:
        if urlsplit(cfg.database_url).scheme not in ("postgres", "postgresql"):
            found.append("DATABASE_URL: must start with postgresql://")
    if not 0 < cfg.port < 65536:
        found.append(f"COMMONHOLD_PORT: {cfg.port} is not a TCP port")
    if cfg.job_workers < 0:
        found.append("COMMONHOLD_JOB_WORKERS: must be 0 or more")
    if cfg.delivery_workers < 0:
        found.append("COMMONHOLD_DELIVERY_WORKERS: must be 0 or more")
    if cfg.max_body_bytes < 1024:
        found.append("COMMONHOLD_MAX_BODY_BYTES: must be at least 1024")
    if cfg.secret_key and len(cfg.secret_key) < 32:
        found.append("COMMONHOLD_SECRET_KEY: must be at least 32 characters")
    return found


def ensure_secret_key(cfg: Config) -> Config:
    """Use the configured secret, or the one kept in the data directory (made on first run)."""
    if cfg.secret_key:
        return cfg
    path = cfg.data_dir / "secret_key"
    if path.exists():
        return replace(cfg, secret_key=path.read_text(encoding="utf-8").strip())
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    return replace(cfg, secret_key=key)
