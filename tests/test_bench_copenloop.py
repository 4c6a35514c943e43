"""The C open-loop client (bench/load/openloop.c through bench/load/copenloop.py) against a
real server on loopback: every request sent at the rate, each target in turn, answers of
every size counted by status, and nothing but loopback accepted."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from typing import Any

import pytest
from aiohttp import web

from bench.load import copenloop

pytestmark = pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None,
                                reason="no C compiler on this machine")


async def test_every_request_goes_out_in_turn_and_answers_are_counted(aiohttp_server: Any) -> None:
    seen: Counter[str] = Counter()

    async def page(request: web.Request) -> web.Response:
        who = request.headers.get("Authorization", "")
        seen[who] += 1
        if request.query.get("missing"):
            return web.json_response({"error": "Record not found"}, status=404)
        return web.Response(body=b"x" * int(request.query.get("size", "10")),
                            content_type="application/json")

    app = web.Application()
    app.router.add_get("/page", page)
    server = await aiohttp_server(app, host="127.0.0.1")
    base = f"http://127.0.0.1:{server.port}"
    targets = [("GET", f"{base}/page?size=30000", None, {"Authorization": "Bearer a"}),
               ("GET", f"{base}/page?size=5", None, {"Authorization": "Bearer b"}),
               ("GET", f"{base}/page?missing=1", None, {"Authorization": "Bearer c"})]
    out = await asyncio.to_thread(copenloop.open_loop, f"{base}/", rate=300, duration=1.0,
                                  targets=targets, max_in_flight=16)
    assert out is not None and out["client"] == "c"
    assert out["sent"] == 300 and out["ok"] == 200 and out["non_2xx"] == 100
    assert out["errors"] == 0 and out["n"] == 300
    assert seen == Counter({"Bearer a": 100, "Bearer b": 100, "Bearer c": 100})
    assert 0 < out["p50_ms"] <= out["p99_ms"] <= out["max_ms"]
    assert 250 < out["achieved_rps"] * 1.5 and out["generator_cpu_s"] > 0


def test_only_loopback_targets_are_accepted() -> None:
    with pytest.raises(ValueError):
        copenloop.open_loop("http://192.0.2.1:80/", rate=1, duration=1,
                            targets=[("GET", "http://192.0.2.1:80/", None, {})], max_in_flight=1)
    with pytest.raises(ValueError):
        copenloop.open_loop("http://127.0.0.1:80/", rate=1, duration=1,
                            targets=[("GET", "http://127.0.0.1:81/", None, {})], max_in_flight=1)
