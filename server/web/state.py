"""Typed keys for what the application holds (no string keys, no globals)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    import aiohttp

    from server.clock import Clock
    from server.config import Config
    from server.db import Database
    from server.web.html import Templates

CONFIG: web.AppKey[Config] = web.AppKey("config")
DB: web.AppKey[Database] = web.AppKey("db")
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
HTTP: web.AppKey[aiohttp.ClientSession] = web.AppKey("http")
TEMPLATES: web.AppKey[Templates] = web.AppKey("templates")
SERVICES: web.AppKey[dict[str, Any]] = web.AppKey("services")
