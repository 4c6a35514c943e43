"""A multipart body whose part headers are not valid HTTP, or a form that is not UTF-8, is
the sender's error wherever a body is read as a form: 400, never a 500 (the API answers
JSON, the pages a readable message), and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

from server.db import Database

BROKEN_PART = (b'--XyZ\r\nContent-Disposition: form-data; name="2\xc2\x9f*\xc2\x9d\x1f"\r\n\r\n'
               b"value\r\n--XyZ--\r\n")
MULTIPART = {"Content-Type": "multipart/form-data; boundary=XyZ"}
NOT_UTF8 = b"status=caf\xe9"
URLENCODED = {"Content-Type": "application/x-www-form-urlencoded"}


async def _count(db: Database, table: str) -> int:
    async with db.acquire() as conn:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))


@pytest.mark.parametrize("body,content_type", [(BROKEN_PART, MULTIPART), (NOT_UTF8, URLENCODED)])
async def test_api_answers_400_json(api: Any, member: Any, db: Database, body: bytes,
                                    content_type: dict[str, str]) -> None:
    ada = await member("ada")
    before = (await _count(db, "statuses"), await _count(db, "media_attachments"))
    for path in ("/api/v1/statuses", "/api/v1/media", "/api/v2/media", "/oauth/token"):
        resp = await api.post(path, data=body, headers={**ada.headers, **content_type})
        assert resp.status == 400, (path, resp.status, await resp.text())
        assert "could not be read" in (await resp.json())["error"]
    assert (await _count(db, "statuses"), await _count(db, "media_attachments")) == before


async def test_pages_answer_400_with_a_message(api: Any, member: Any) -> None:
    ada = await member("ada")
    for path in ("/statuses", "/oauth/authorize", "/auth/sign_in", "/polls/1/votes"):
        resp = await api.post(path, data=BROKEN_PART, headers=MULTIPART, allow_redirects=False)
        assert resp.status == 400, (path, resp.status, await resp.text())
        assert "could not be read" in await resp.text()
    # The governance API reads JSON or forms (with a bearer token, no CSRF).
    resp = await api.post("/governance/setup", data=BROKEN_PART, headers={**ada.headers, **MULTIPART})
    assert resp.status == 400 and "could not be read" in await resp.text()
