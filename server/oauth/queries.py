"""SQL for OAuth applications, authorization codes and access tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from server.db import Conn, load_queries

Q = load_queries("server.oauth")


@dataclass(frozen=True, slots=True)
class Application:
    id: int
    name: str
    website: str | None
    redirect_uris: list[str]
    scopes: list[str]
    client_id: str
    client_secret_hash: bytes
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ClaimedCode:
    application_id: int
    user_id: int
    redirect_uri: str
    scopes: list[str]
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: datetime
    was_used: bool
    access_token_id: int | None


@dataclass(frozen=True, slots=True)
class TokenRow:
    """A token as the API remembers it for a few seconds (server.api.auth). The lists are
    tuples: a tuple of strings is left out of the collector's walks, a list never is, and
    every busy token's row is walked by each full collection."""
    token_id: int
    scopes: tuple[str, ...]
    created_at: datetime
    user_id: int | None
    application_id: int
    application_name: str
    application_website: str | None
    redirect_uris: tuple[str, ...]
    application_scopes: tuple[str, ...]
    account_id: int | None
    role: str | None
    approved: bool | None
    disabled: bool | None
    last_sign_in_at: datetime | None


def _app(row: object) -> Application | None:
    return Application(**dict(row)) if row else None  # type: ignore[call-overload]


async def insert_application(conn: Conn, *, app_id: int, name: str, website: str | None,
                             redirect_uris: list[str], scopes: list[str], client_id: str,
                             client_secret_hash: bytes, now: datetime) -> Application:
    row = await conn.fetchrow(Q["insert_application"], app_id, name, website, redirect_uris,
                              scopes, client_id, client_secret_hash, now)
    app = _app(row)
    assert app is not None
    return app


async def get_application_by_client_id(conn: Conn, *, client_id: str) -> Application | None:
    return _app(await conn.fetchrow(Q["get_application_by_client_id"], client_id))


async def get_application(conn: Conn, *, app_id: int) -> Application | None:
    return _app(await conn.fetchrow(Q["get_application"], app_id))


async def insert_authorization_code(conn: Conn, *, code_hash: bytes, application_id: int,
                                    user_id: int, redirect_uri: str, scopes: list[str],
                                    code_challenge: str | None, code_challenge_method: str | None,
                                    now: datetime, expires_at: datetime) -> None:
    await conn.execute(Q["insert_authorization_code"], code_hash, application_id, user_id,
                       redirect_uri, scopes, code_challenge, code_challenge_method, now,
                       expires_at)


async def claim_authorization_code(conn: Conn, *, code_hash: bytes,
                                   now: datetime) -> ClaimedCode | None:
    row = await conn.fetchrow(Q["claim_authorization_code"], code_hash, now)
    return ClaimedCode(**dict(row)) if row else None


async def set_code_token(conn: Conn, *, code_hash: bytes, access_token_id: int) -> None:
    await conn.execute(Q["set_code_token"], code_hash, access_token_id)


async def delete_expired_codes(conn: Conn, *, cutoff: datetime) -> None:
    await conn.execute(Q["delete_expired_codes"], cutoff)


async def insert_access_token(conn: Conn, *, token_id: int, token_hash: bytes,
                              application_id: int, user_id: int | None, scopes: list[str],
                              now: datetime) -> None:
    await conn.execute(Q["insert_access_token"], token_id, token_hash, application_id, user_id,
                       scopes, now)


async def get_token_context(conn: Conn, *, token_hash: bytes) -> TokenRow | None:
    row = await conn.fetchrow(Q["get_token_context"], token_hash)
    if row is None:
        return None
    values = dict(row)
    for name in _TOKEN_LISTS:
        values[name] = tuple(values[name])
    return TokenRow(**values)


_TOKEN_LISTS = ("scopes", "redirect_uris", "application_scopes")


async def get_token_owner(conn: Conn, *, token_hash: bytes) -> tuple[int, int] | None:
    row = await conn.fetchrow(Q["get_token_owner"], token_hash)
    return (row["id"], row["application_id"]) if row else None


async def revoke_token(conn: Conn, *, token_id: int, now: datetime) -> None:
    await conn.execute(Q["revoke_token"], token_id, now)


async def has_matching_token(conn: Conn, *, user_id: int, application_id: int,
                             scopes: list[str]) -> bool:
    return bool(await conn.fetchval(Q["has_matching_token"], user_id, application_id, scopes))


async def touch_user_activity(conn: Conn, *, user_id: int, week: date, now: datetime) -> None:
    await conn.execute(Q["touch_user_activity"], user_id, week, now)
