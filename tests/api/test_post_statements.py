"""How many statements `POST /api/v1/statuses` sends to PostgreSQL (issue #4, W5): every
round trip in the post's transaction holds its row locks longer and costs PostgreSQL CPU,
so a plain post is held to a fixed budget. The fan-out job that follows is not counted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from asyncpg.connection import Connection

from tests.api.conftest import bearer

# The post's own transaction, BEGIN and COMMIT included: the author and their defaults, the
# status, its jobs; then the answer, rendered once committed (one page query and its cards),
# i.e. 7. The token lookup and the rate limiter's counting happen before it and are not
# counted here.
PLAIN_POST_BUDGET = 7


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """Every statement any pooled connection sends while inside: extended-protocol queries
    (fetch, fetchval, execute with arguments) and simple ones (BEGIN, COMMIT, reset)."""
    seen: list[str] = []
    original_execute, original_simple = Connection._execute, Connection.execute

    async def _execute(self: Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(query)
        return await original_execute(self, query, *args, **kwargs)

    async def execute(self: Connection, query: str, *args: Any, timeout: float | None = None) -> str:
        if not args:
            seen.append(query)
        return await original_simple(self, query, *args, timeout=timeout)

    Connection._execute, Connection.execute = _execute, execute  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        Connection._execute, Connection.execute = original_execute, original_simple  # type: ignore[method-assign]


def _first_line(sql: str) -> str:
    return " ".join(sql.split())[:90]


def in_transaction(seen: list[str]) -> list[str]:
    """The statements from the (single) BEGIN on: its transaction and the answer's."""
    words = [" ".join(q.split()).upper() for q in seen]
    start = next(i for i, w in enumerate(words) if w.startswith("BEGIN"))
    assert any(w.startswith("COMMIT") for w in words[start:])
    return seen[start:]


async def _post(api: Any, member: Any, body: dict[str, Any]) -> list[str]:
    ada = await member("ada")
    warm = await api.get("/api/v1/accounts/verify_credentials", headers=bearer(ada.token))
    assert warm.status == 200
    with counted_statements() as seen:
        resp = await api.post("/api/v1/statuses", json=body, headers=bearer(ada.token))
        assert resp.status == 200, await resp.text()
    return seen


async def test_a_plain_post_stays_within_its_statement_budget(api: Any, member: Any) -> None:
    seen = in_transaction(await _post(api, member, {"status": "Hello, members"}))
    assert len(seen) <= PLAIN_POST_BUDGET, "\n".join(map(_first_line, seen))


@pytest.mark.parametrize("body", [
    {"status": "With a #tag and a mention of @ada"},
    {"status": "A question", "poll": {"options": ["yes", "no"], "expires_in": 3600}},
])
async def test_posts_with_more_to_them_still_work(api: Any, member: Any, body: dict[str, Any]) -> None:
    seen = in_transaction(await _post(api, member, body))
    assert len(seen) > PLAIN_POST_BUDGET
