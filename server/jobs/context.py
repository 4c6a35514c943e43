"""What a job handler gets: the database, the clock, the configuration, an HTTP client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import aiohttp

    from server.clock import Clock
    from server.config import Config
    from server.db import Database


@dataclass
class JobContext:
    db: Database
    clock: Clock
    config: Config
    http: aiohttp.ClientSession | None = None
    extra: dict[str, Any] = field(default_factory=dict)
