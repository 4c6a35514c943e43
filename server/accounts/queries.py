"""SQL for local accounts and users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.db import Conn, load_queries

Q = load_queries("server.accounts")


@dataclass(frozen=True, slots=True)
class LocalUser:
    id: int
    account_id: int
    username: str
    email: str
    password_hash: str
    role: str
    approved: bool
    disabled: bool
    display_name: str
    created_at: datetime
    last_sign_in_at: datetime | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_staff(self) -> bool:
        return self.role in ("admin", "moderator")


@dataclass(frozen=True, slots=True)
class PendingUser:
    id: int
    account_id: int
    username: str
    email: str
    signup_reason: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewAccount:
    id: int
    username: str
    domain: str | None
    display_name: str
    uri: str
    url: str | None
    inbox_url: str | None
    shared_inbox_url: str | None
    outbox_url: str | None
    followers_url: str | None
    following_url: str | None
    featured_url: str | None
    public_key_pem: str | None
    public_key_id: str | None
    private_key_pem: str | None
    actor_type: str = "Person"


async def insert_account(conn: Conn, account: NewAccount, *, now: datetime) -> int:
    a = account
    return int(await conn.fetchval(
        Q["insert_account"], a.id, a.username, a.domain, a.display_name, a.uri, a.url, a.inbox_url,
        a.shared_inbox_url, a.outbox_url, a.followers_url, a.following_url, a.featured_url,
        a.public_key_pem, a.public_key_id, a.private_key_pem, a.actor_type, now))


async def insert_user(conn: Conn, *, user_id: int, account_id: int, email: str, password_hash: str,
                      role: str, approved: bool, signup_reason: str, now: datetime) -> int:
    return int(await conn.fetchval(Q["insert_user"], user_id, account_id, email, password_hash,
                                   role, approved, signup_reason, now))


def _user(row: object) -> LocalUser | None:
    return LocalUser(**dict(row)) if row else None  # type: ignore[call-overload]


async def get_local_user_by_username(conn: Conn, *, username: str) -> LocalUser | None:
    return _user(await conn.fetchrow(Q["get_local_user_by_username"], username))


async def get_local_user_by_login(conn: Conn, *, login: str) -> LocalUser | None:
    return _user(await conn.fetchrow(Q["get_local_user_by_login"], login))


async def get_local_user_by_id(conn: Conn, *, user_id: int) -> LocalUser | None:
    return _user(await conn.fetchrow(Q["get_local_user_by_id"], user_id))


async def username_taken(conn: Conn, *, username: str) -> bool:
    return bool(await conn.fetchval(Q["username_taken"], username))


async def email_taken(conn: Conn, *, email: str) -> bool:
    return bool(await conn.fetchval(Q["email_taken"], email))


async def update_password(conn: Conn, *, user_id: int, password_hash: str, now: datetime) -> None:
    await conn.execute(Q["update_password"], user_id, password_hash, now)


async def update_last_sign_in(conn: Conn, *, user_id: int, now: datetime) -> None:
    await conn.execute(Q["update_last_sign_in"], user_id, now)


async def approve_user(conn: Conn, *, user_id: int) -> bool:
    return await conn.fetchval(Q["approve_user"], user_id) is not None


async def reject_pending_user(conn: Conn, *, user_id: int) -> bool:
    return await conn.fetchval(Q["reject_pending_user"], user_id) is not None


async def list_pending_users(conn: Conn) -> list[PendingUser]:
    return [PendingUser(**dict(r)) for r in await conn.fetch(Q["list_pending_users"])]


async def set_user_role(conn: Conn, *, user_id: int, role: str) -> None:
    await conn.execute(Q["set_user_role"], user_id, role)


async def count_local_users(conn: Conn) -> int:
    return int(await conn.fetchval(Q["count_local_users"]))


@dataclass(frozen=True, slots=True)
class Account:
    """An actor, local (domain is None) or remote."""

    id: int
    username: str
    domain: str | None
    display_name: str
    note: str
    uri: str
    url: str | None
    inbox_url: str | None
    shared_inbox_url: str | None
    outbox_url: str | None
    followers_url: str | None
    following_url: str | None
    featured_url: str | None
    actor_type: str
    public_key_pem: str | None
    public_key_id: str | None
    locked: bool
    bot: bool
    discoverable: bool
    indexable: bool
    avatar_url: str | None
    header_url: str | None
    fields: list[dict[str, str]]
    also_known_as: list[str]
    moved_to_account_id: int | None
    suspended_at: datetime | None
    fetched_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def local(self) -> bool:
        return self.domain is None

    def acct(self) -> str:
        return self.username if self.domain is None else f"{self.username}@{self.domain}"


def _account(row: object) -> Account | None:
    return Account(**dict(row)) if row else None  # type: ignore[call-overload]


async def get_account(conn: Conn, *, account_id: int) -> Account | None:
    return _account(await conn.fetchrow(Q["get_account"], account_id))


async def get_accounts(conn: Conn, *, account_ids: list[int]) -> dict[int, Account]:
    rows = await conn.fetch(Q["get_accounts"], account_ids)
    return {r["id"]: Account(**dict(r)) for r in rows}


async def get_account_by_uri(conn: Conn, *, uri: str) -> Account | None:
    return _account(await conn.fetchrow(Q["get_account_by_uri"], uri))


async def find_account_by_acct(conn: Conn, *, username: str, domain: str | None) -> Account | None:
    return _account(await conn.fetchrow(Q["find_account_by_acct"], username, domain))


async def get_private_key(conn: Conn, *, account_id: int) -> tuple[str, str] | None:
    row = await conn.fetchrow(Q["get_private_key"], account_id)
    return (row["private_key_pem"], row["public_key_id"]) if row else None
