"""Pages of statuses let go of their bytes once sent: aiohttp keeps a connection's last
response until its next request, for as long as the keep-alive connection stays open."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from server.api.status_responses import json_body


async def test_a_json_body_is_released_after_it_is_sent() -> None:
    sent: list[web.Response] = []

    async def handler(request: web.Request) -> web.Response:
        response = json_body([{"id": "1", "content": "<p>é</p>"}] * 200)
        sent.append(response)
        return response

    app = web.Application()
    app.router.add_get("/page", handler)
    async with TestClient(TestServer(app)) as client:
        for _ in range(2):  # the same keep-alive connection, twice
            r = await client.get("/page")
            body: Any = await r.json()
            assert r.status == 200
            assert r.headers["Content-Type"] == "application/json; charset=utf-8"
            assert body[0] == {"id": "1", "content": "<p>é</p>"} and len(body) == 200
    assert [s.body for s in sent] == [None, None]
