"""The answer to `POST /api/v1/statuses` shows its author's statuses_count with the new post
counted, as Mastodon's does, though the count is added at COMMIT (migration 0023)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import bearer


async def test_the_answer_counts_the_new_post(api: Any, member: Any) -> None:
    ada = await member("ada")
    for n in (1, 2, 3):
        resp = await api.post("/api/v1/statuses", json={"status": f"post {n}"},
                              headers=bearer(ada.token))
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        assert body["account"]["statuses_count"] == n
        assert body["account"]["last_status_at"] is not None
    resp = await api.get("/api/v1/accounts/verify_credentials", headers=bearer(ada.token))
    assert (await resp.json())["statuses_count"] == 3
