"""What clients see when something is wrong with their request: the right status, a readable
message (JSON under /api/, a page elsewhere), and never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from server.accounts import queries
from server.db import Database
from tests.helpers import get_form_token, make_user, post_form, sign_in

NOT_FOUND = "There is nothing here."
NOT_ALLOWED = "That method is not allowed here."


@pytest.fixture
async def api_client(aiohttp_client: Any, app_factory: Any) -> Any:
    """The app plus one GET-only JSON route under /api/ (the API itself is not built yet)."""
    app = app_factory()

    async def probe(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.router.add_get("/api/v1/probe", probe)
    return await aiohttp_client(app)


@pytest.mark.parametrize(("path", "accept"), [
    ("/api/v1/no_such_things/1", ""),
    ("/api/v1/no-such-thing", "text/html"),          # the API always answers JSON
    ("/api/v2/", ""),
    ("/.well-known/no-such-thing", ""),
    ("/no/such/page", "application/json"),          # a JSON client gets JSON anywhere
])
async def test_unknown_api_path_is_a_json_404(api_client: Any, path: str, accept: str) -> None:
    resp = await api_client.get(path, headers={"Accept": accept} if accept else {})
    assert resp.status == 404
    assert resp.content_type == "application/json"
    assert await resp.json() == {"error": NOT_FOUND}


@pytest.mark.parametrize(("path", "message"), [
    ("/no/such/page", NOT_FOUND), ("/%ff", NOT_FOUND), ("/auth/sign_in/extra", NOT_FOUND),
    ("/admin/accounts/abc/approve", NOT_FOUND),
    ("/@nobody", "There is no account called &#39;nobody&#39; here."),
])
async def test_unknown_page_is_an_html_404(api_client: Any, path: str, message: str) -> None:
    resp = await api_client.get(path, headers={"Accept": "text/html"})
    assert resp.status == 404
    assert resp.content_type == "text/html"
    page = await resp.text()
    assert "<h1>Not found</h1>" in page and message in page
    assert 'href="/auth/sign_in"' in page        # the site's layout, not a bare error


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("POST", "/api/v1/probe", {"GET", "HEAD"}),
    ("DELETE", "/api/v1/probe", {"GET", "HEAD"}),
    ("POST", "/health", {"GET", "HEAD"}),
])
async def test_wrong_method_on_api_is_a_json_405(api_client: Any, method: str, path: str,
                                                 allowed: set[str]) -> None:
    resp = await api_client.request(method, path)
    assert resp.status == 405
    assert resp.content_type == "application/json"
    assert await resp.json() == {"error": NOT_ALLOWED}
    assert set(resp.headers["Allow"].split(",")) == allowed


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("DELETE", "/", {"GET", "HEAD"}),
    ("PUT", "/auth/sign_in", {"GET", "HEAD", "POST"}),
    ("GET", "/auth/sign_out", {"POST"}),
    ("PURGE", "/", {"GET", "HEAD"}),
])
async def test_wrong_method_on_a_page_is_an_html_405(api_client: Any, method: str, path: str,
                                                     allowed: set[str]) -> None:
    resp = await api_client.request(method, path, headers={"Accept": "text/html"})
    assert resp.status == 405
    assert resp.content_type == "text/html"
    assert NOT_ALLOWED in await resp.text()
    assert set(resp.headers["Allow"].split(",")) == allowed


async def test_head_of_a_missing_page_is_a_404_without_body(api_client: Any) -> None:
    resp = await api_client.head("/no/such/page")
    assert resp.status == 404
    assert await resp.read() == b""


SIGNUP = {"username": "ada", "email": "ada@example.org", "password": "correct horse battery",
          "password_confirmation": "correct horse battery"}


@pytest.mark.parametrize(("body", "content_type"), [
    (b"login=\xff\xfe&password=x", "application/x-www-form-urlencoded"),
    (b"not a multipart body", "multipart/form-data"),
    (b"not a multipart body", "multipart/form-data; boundary=abc"),
], ids=["not-utf8", "multipart-without-boundary", "multipart-without-parts"])
async def test_unreadable_form_body_is_a_400_page(client: Any, body: bytes,
                                                   content_type: str) -> None:
    token = await get_form_token(client, "/auth/sign_in")
    if content_type.startswith("application/x-www-form-urlencoded"):
        body = b"csrf_token=" + token.encode() + b"&" + body
    resp = await client.post("/auth/sign_in", data=body, headers={"Content-Type": content_type},
                             allow_redirects=False)
    assert resp.status == 400
    assert resp.content_type == "text/html"
    assert "The form could not be read" in await resp.text()


@pytest.mark.parametrize(("path", "fields"), [
    ("/auth/sign_in", {"login": "a\x00b", "password": "correct horse battery"}),
    ("/auth/sign_up", {**SIGNUP, "email": "ada\x00@example.org"}),
    ("/auth/sign_up", {**SIGNUP, "username": "ada\x00"}),
])
async def test_nul_characters_in_a_form_are_a_400_not_a_database_error(
        client: Any, db: Database, path: str, fields: dict[str, str]) -> None:
    token = await get_form_token(client, path)
    resp = await client.post(path, data={**fields, "csrf_token": token}, allow_redirects=False)
    assert resp.status == 400
    assert "not allowed (NUL)" in await resp.text()
    async with db.acquire() as conn:
        assert await queries.count_local_users(conn) == 0


async def test_unreadable_form_without_csrf_cookie_is_still_a_400(client: Any) -> None:
    resp = await client.post("/auth/sign_in", data=b"x", allow_redirects=False,
                             headers={"Content-Type": "multipart/form-data"})
    assert resp.status == 400


async def test_numeric_id_out_of_range_is_a_404(client: Any, db: Database, config: Any,
                                                clock: Any) -> None:
    await make_user(db, config, clock, "root_admin", role="admin")
    assert (await sign_in(client, "root_admin")).status == 303
    for user_id in ("9223372036854775808", "99999999999999999999"):  # bigint max + 1, and more
        resp = await post_form(client, f"/admin/accounts/{user_id}/approve", {},
                               token_from="/admin/accounts/pending")
        assert resp.status == 404
        assert "No pending sign-up" in await resp.text()
