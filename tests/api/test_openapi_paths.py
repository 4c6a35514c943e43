"""Every path of the Mastodon OpenAPI description, with every documented method and one that
is not: whatever we have or lack, the answer is a clear 4xx (or a 200), never a 5xx."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from server.api import middleware
from server.web.ratelimit import Limit
from tests.openapi import spec

METHODS = ("get", "post", "put", "patch", "delete")
ALLOWED = {200, 400, 401, 403, 404, 405, 422}
# Methods we serve on purpose although the description does not list them: the consent form
# posts back to its page, and OpenID Connect allows userinfo by POST.
SERVED_BEYOND = {("post", "/oauth/authorize"), ("post", "/oauth/userinfo")}


def _operations() -> list[tuple[str, str, bool]]:
    found = []
    for path, item in spec()["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        documented = [m for m in METHODS if m in item]
        found += [(m, concrete, True) for m in documented]
        undocumented = [m for m in METHODS if m not in item and (m, path) not in SERVED_BEYOND]
        if undocumented:
            found.append((undocumented[0], concrete, False))
    return found


async def test_no_documented_path_answers_with_a_server_error(
        api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(middleware, "GENERAL", Limit("api", 100_000, timedelta(minutes=5), "x"))
    operations = _operations()
    assert len(operations) > 300
    problems = []
    for method, path, documented in operations:
        resp = await api.request(method.upper(), path, allow_redirects=False)
        if resp.status == 200 and resp.content_type == "text/event-stream":
            resp.close()     # a stream that stays open: its answer is the status line
            continue
        body = await resp.read()
        expected = ALLOWED if documented else {404, 405}
        if resp.status not in expected:
            problems.append(f"{method.upper()} {path}: {resp.status} {body[:120]!r}")
        elif resp.status >= 400 and path.startswith("/api/") and (
                not resp.content_type.endswith("json") or b'"error"' not in body):
            problems.append(f"{method.upper()} {path}: {resp.status} without a JSON error")
    assert not problems, "\n".join(problems)
