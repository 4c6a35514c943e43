"""What every outbound handler shares: who is acting, and queueing the deliveries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.db import Conn
from server.federation import delivery
from server.federation.outbound import queries
from server.follows import queries as follows_q


async def local_account(conn: Conn, account_id: int) -> Account | None:
    """The acting account when it is ours: remote actors' actions arrive through the inbox
    and use the same services and events, and must never be sent back out."""
    account = await accounts_q.get_account(conn, account_id=account_id)
    if account is None or not account.local or account.suspended_at is not None:
        return None
    return account


async def remote_account(conn: Conn, account_id: int) -> Account | None:
    account = await accounts_q.get_account(conn, account_id=account_id)
    return account if account is not None and not account.local else None


async def follower_inboxes(conn: Conn, account_id: int) -> list[str]:
    """One shared inbox per server that has followers of the account, never one per follower."""
    return await follows_q.list_follower_inboxes(conn, target_id=account_id)


async def preferred_inboxes(conn: Conn, account_ids: Iterable[int]) -> list[str]:
    ids = sorted(set(account_ids))
    return await queries.list_preferred_inboxes(conn, account_ids=ids) if ids else []


def personal_inbox(account: Account) -> list[str]:
    """Activities meant for one actor (Follow, Like, Block, Accept) go to its own inbox,
    as Mastodon sends them."""
    inbox = account.inbox_url or account.shared_inbox_url
    return [inbox] if inbox and account.suspended_at is None else []


async def send(conn: Conn, *, actor: Account, activity: dict[str, Any], inboxes: Iterable[str],
               now: datetime) -> int:
    return await delivery.enqueue_deliveries(conn, actor_id=actor.id, activity=activity,
                                             inboxes=inboxes, now=now)
