"""Typed keys for what the application holds (no string keys, no globals)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    import aiohttp
    import jinja2

    from server.clock import Clock
    from server.config import Config
    from server.db import Database

CONFIG: web.AppKey[Config] = web.AppKey("config")
DB: web.AppKey[Database] = web.AppKey("db")
CLOCK: web.AppKey[Clock] = web.AppKey("clock")
HTTP: web.AppKey[aiohttp.ClientSession] = web.AppKey("http")
TEMPLATES: web.AppKey[jinja2.Environment] = web.AppKey("templates")
SERVICES: web.AppKey[dict[str, Any]] = web.AppKey("services")
