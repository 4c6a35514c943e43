"""Rate limits on the client API: headers on every answer, a 429 past the limit, counted
per token (per address without one), shared through the database; CORS for browser clients;
trailing slashes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from server.api import middleware
from server.clock import FrozenClock
from server.web.ratelimit import Limit


async def test_every_api_answer_carries_the_headers(api: Any, member: Any) -> None:
    ada = await member("ada")
    for resp in (await api.get("/api/v1/instance"),
                 await api.get("/api/v1/accounts/verify_credentials"),          # 401
                 await api.get("/api/v1/nothing/here", headers=ada.headers),     # 404
                 await api.post("/api/v1/instance")):                            # 405
        assert resp.headers["X-RateLimit-Limit"] == "300"
        assert int(resp.headers["X-RateLimit-Remaining"]) < 300
        assert resp.headers["X-RateLimit-Reset"].endswith("Z")


async def test_past_the_limit_comes_a_429_until_the_window_ends(
        api: Any, member: Any, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> None:
    ada = await member("ada")
    monkeypatch.setattr(middleware, "GENERAL", Limit("api", 3, timedelta(minutes=5), "x"))
    remaining = []
    for _ in range(3):
        resp = await api.get("/api/v1/accounts/verify_credentials", headers=ada.headers)
        assert resp.status == 200
        remaining.append(resp.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    over = await api.get("/api/v1/accounts/verify_credentials", headers=ada.headers)
    assert over.status == 429
    assert await over.json() == {"error": "Too many requests"}
    assert over.headers["X-RateLimit-Remaining"] == "0"
    assert int(over.headers["Retry-After"]) > 0
    # another caller (no token: counted by address) is not affected
    assert (await api.get("/api/v1/instance")).status == 200
    clock.advance(timedelta(minutes=5))
    assert (await api.get("/api/v1/accounts/verify_credentials", headers=ada.headers)).status == 200


async def test_posting_has_its_own_tighter_limit(api: Any, member: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ada = await member("ada")
    monkeypatch.setattr(middleware, "ENDPOINT_LIMITS", (
        ("POST", middleware.ENDPOINT_LIMITS[0][1],
         Limit("api_media", 1, timedelta(hours=1), "x")),))
    first = await api.post("/api/v1/media", headers=ada.headers)
    assert first.headers["X-RateLimit-Limit"] == "1"
    second = await api.post("/api/v1/media", headers=ada.headers)
    assert second.status == 429


async def test_cors_for_browser_clients(api: Any) -> None:
    pre = await api.options("/api/v1/accounts/verify_credentials", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert pre.status == 204
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert pre.headers["Access-Control-Allow-Headers"] == "authorization"
    resp = await api.get("/api/v1/instance", headers={"Origin": "https://app.example"})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in resp.headers["Access-Control-Expose-Headers"]


async def test_trailing_slashes_are_tolerated_for_every_method(api: Any, member: Any) -> None:
    ada = await member("ada")
    plain = await api.get("/api/v1/instance")
    slashed = await api.get("/api/v1/instance/")
    assert slashed.status == 200 and await slashed.json() == await plain.json()
    resp = await api.patch("/api/v1/accounts/update_credentials/", headers=ada.headers,
                           json={"display_name": "Ada L."})
    assert resp.status == 200 and (await resp.json())["display_name"] == "Ada L."
    resp = await api.post("/api/v1/apps/", data={"client_name": "x", "redirect_uris":
                                                  "urn:ietf:wg:oauth:2.0:oob"})
    assert resp.status == 200
    assert (await api.delete("/api/v1/instance/")).status == 405
