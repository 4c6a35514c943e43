"""SQL for members, the share ledger and membership applications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.db import Conn, load_queries

Q = load_queries("server.governance.members")


@dataclass(frozen=True, slots=True)
class Member:
    account_id: int
    username: str
    domain: str | None
    display_name: str
    member_class: str
    status: str
    admitted_at: datetime
    status_changed_at: datetime

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def acct(self) -> str:
        return self.username if self.domain is None else f"{self.username}@{self.domain}"


@dataclass(frozen=True, slots=True)
class ShareMovement:
    id: int
    account_id: int
    username: str
    movement: str
    shares: int
    reason: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class AccountSummary:
    id: int
    username: str
    domain: str | None
    display_name: str


@dataclass(frozen=True, slots=True)
class Application:
    id: int
    account_id: int
    username: str
    member_class: str
    statement: str
    status: str
    proposal_id: int | None
    created_at: datetime
    decided_at: datetime | None


def _one(cls: Any, row: Any) -> Any:
    return cls(**dict(row)) if row else None


async def get_member(conn: Conn, *, account_id: int) -> Member | None:
    return _one(Member, await conn.fetchrow(Q["get_member"], account_id))


async def lock_member(conn: Conn, *, account_id: int) -> None:
    await conn.execute(Q["lock_member"], account_id)


async def upsert_admitted_member(conn: Conn, *, account_id: int, member_class: str,
                                 now: datetime) -> bool:
    return await conn.fetchval(Q["upsert_admitted_member"], account_id, member_class,
                               now) is not None


async def update_member_status(conn: Conn, *, account_id: int, status: str, now: datetime) -> None:
    await conn.execute(Q["update_member_status"], account_id, status, now)


async def list_members(conn: Conn, *, status: str | None = None) -> list[Member]:
    return [Member(**dict(r)) for r in await conn.fetch(Q["list_members"], status)]


async def list_active_member_ids(conn: Conn) -> list[int]:
    return [r["account_id"] for r in await conn.fetch(Q["list_active_member_ids"])]


async def insert_share_movement(conn: Conn, *, account_id: int, movement: str, shares: int,
                                reason: str, now: datetime) -> int:
    return int(await conn.fetchval(Q["insert_share_movement"], account_id, movement, shares,
                                   reason, now))


async def list_share_ledger(conn: Conn) -> list[ShareMovement]:
    return [ShareMovement(**dict(r)) for r in await conn.fetch(Q["list_share_ledger"])]


async def get_share_holding(conn: Conn, *, account_id: int) -> int:
    return int(await conn.fetchval(Q["get_share_holding"], account_id))


async def get_account_summary(conn: Conn, *, account_id: int) -> AccountSummary | None:
    return _one(AccountSummary, await conn.fetchrow(Q["get_account_summary"], account_id))


async def get_local_account_by_username(conn: Conn, *, username: str) -> AccountSummary | None:
    return _one(AccountSummary, await conn.fetchrow(Q["get_local_account_by_username"], username))


async def insert_application(conn: Conn, *, application_id: int, account_id: int,
                             member_class: str, statement: str, now: datetime) -> bool:
    return await conn.fetchval(Q["insert_application"], application_id, account_id,
                               member_class, statement, now) is not None


async def get_application(conn: Conn, *, application_id: int) -> Application | None:
    return _one(Application, await conn.fetchrow(Q["get_application"], application_id))


async def get_pending_application_for_account(conn: Conn, *, account_id: int
                                              ) -> Application | None:
    return _one(Application,
                await conn.fetchrow(Q["get_pending_application_for_account"], account_id))


async def list_pending_applications(conn: Conn) -> list[Application]:
    return [Application(**dict(r)) for r in await conn.fetch(Q["list_pending_applications"])]


async def decide_application(conn: Conn, *, application_id: int, status: str, now: datetime,
                             by_account_id: int | None) -> bool:
    return await conn.fetchval(Q["decide_application"], application_id, status, now,
                               by_account_id) is not None


async def set_application_proposal(conn: Conn, *, application_id: int, proposal_id: int) -> None:
    await conn.execute(Q["set_application_proposal"], application_id, proposal_id)
