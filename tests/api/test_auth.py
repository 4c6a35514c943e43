"""Token authentication and scopes: the exact answers clients rely on."""

from __future__ import annotations

from typing import Any

import pytest

from server.db import Database
from server.oauth.scopes import ALL_SCOPES, InvalidScopeError, grants, parse_scopes
from tests.api.conftest import bearer
from tests.openapi import spec, validate

VERIFY = "/api/v1/accounts/verify_credentials"


@pytest.mark.parametrize(("granted", "required", "ok"), [
    ({"read"}, "read:statuses", True),
    ({"read"}, "write:statuses", False),
    ({"write"}, "write:media", True),
    ({"read:accounts"}, "read:accounts", True),
    ({"read:accounts"}, "read:statuses", False),
    ({"follow"}, "write:follows", True),
    ({"follow"}, "read:blocks", True),
    ({"follow"}, "write:statuses", False),
    ({"admin:read"}, "admin:read:accounts", True),
    ({"admin:read"}, "admin:write:accounts", False),
    ({"read"}, "admin:read:accounts", False),
    ({"profile"}, "read:accounts", False),
    ({"push"}, "push", True),
])
def test_scope_implications(granted: set[str], required: str, ok: bool) -> None:
    assert grants(granted, required) is ok


def test_scopes_are_parsed_from_spaces_or_lists_and_unknown_ones_refused() -> None:
    assert parse_scopes(None) == ("read",)
    assert parse_scopes("  ") == ("read",)
    assert parse_scopes("read write read") == ("read", "write")
    assert parse_scopes(["read", "write:media"]) == ("read", "write:media")
    with pytest.raises(InvalidScopeError):
        parse_scopes("read delete:everything")


def test_every_scope_the_openapi_description_knows_is_known_here() -> None:
    documented = set(spec()["components"]["schemas"]["OAuthScope"]["enum"])
    # Collections arrived after 4.3; Commonhold speaks 4.3.
    documented -= {"read:collections", "write:collections"}
    assert documented <= set(ALL_SCOPES)


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer not-a-token"},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic Zm9vOmJhcg=="},
])
async def test_missing_or_unknown_tokens_get_401(api: Any, headers: dict[str, str]) -> None:
    resp = await api.get(VERIFY, headers=headers)
    assert resp.status == 401
    body = await resp.json()
    validate(body, "Error")
    assert body == {"error": "The access token is invalid"}


async def test_a_token_without_the_scope_gets_403(api: Any, member: Any) -> None:
    ada = await member("ada", scope="write")
    resp = await api.get(VERIFY, headers=ada.headers)
    assert resp.status == 403
    assert await resp.json() == {"error": "This action is outside the authorized scopes"}


async def test_granular_and_profile_scopes_are_enough_where_mastodon_says(api: Any,
                                                                         member: Any) -> None:
    profile_only = await member("ada", scope="profile")
    assert (await api.get(VERIFY, headers=profile_only.headers)).status == 200
    assert (await api.get("/api/v1/preferences", headers=profile_only.headers)).status == 403
    granular = await member("bea", scope="read:accounts")
    assert (await api.get(VERIFY, headers=granular.headers)).status == 200
    assert (await api.get("/api/v1/preferences", headers=granular.headers)).status == 200


async def test_the_access_token_query_parameter_works_too(api: Any, member: Any) -> None:
    ada = await member("ada")
    assert (await api.get(f"{VERIFY}?access_token={ada.token}")).status == 200


async def test_disabled_and_unapproved_users_are_refused(api: Any, member: Any,
                                                         db: Database) -> None:
    ada = await member("ada")
    async with db.acquire() as conn:
        await conn.execute("UPDATE users SET disabled = true WHERE id = $1", ada.user.id)
    resp = await api.get(VERIFY, headers=ada.headers)
    assert resp.status == 403
    assert await resp.json() == {"error": "Your login is currently disabled"}
    async with db.acquire() as conn:
        await conn.execute("UPDATE users SET disabled = false, approved = false WHERE id = $1",
                           ada.user.id)
    resp = await api.get(VERIFY, headers=ada.headers)
    assert resp.status == 403
    assert await resp.json() == {"error": "Your login is currently pending approval"}
    # public endpoints refuse such a token as well rather than serve its owner
    assert (await api.get(f"/api/v1/accounts/{ada.user.account_id}",
                          headers=ada.headers)).status == 403


async def test_public_endpoints_work_without_a_token_but_check_one_that_is_sent(
        api: Any, member: Any) -> None:
    ada = await member("ada")
    path = f"/api/v1/accounts/{ada.user.account_id}"
    assert (await api.get(path)).status == 200
    assert (await api.get(path, headers=ada.headers)).status == 200
    assert (await api.get(path, headers=bearer("forged"))).status == 401


async def test_using_the_api_counts_as_activity(api: Any, member: Any, db: Database) -> None:
    ada = await member("ada")
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM user_activity_weeks") == 0
    assert (await api.get(VERIFY, headers=ada.headers)).status == 200
    assert (await api.get(VERIFY, headers=ada.headers)).status == 200
    async with db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM user_activity_weeks") == 1
