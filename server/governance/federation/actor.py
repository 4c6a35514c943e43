"""The cooperative's governance actor: a `Group` called `coop` at /actor/coop.

It is an ordinary local accounts row (username `coop`, which no member can take, no users
row, its own key pair), so following it, signing deliveries from it and its statuses use
the machinery every account uses. It is made on first use (`ensure_coop_account`).
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.config import Config
from server.db import Conn
from server.federation.activitypub import serialize
from server.federation.keys import generate_rsa_keypair_async
from server.governance.federation import queries
from server.ids import new_id

USERNAME = "coop"
PATH = "/actor/coop"
SUMMARY = ("The members' cooperative that owns and runs this server. It publishes every "
           "open proposal as a poll; members whose accounts live on other servers vote on "
           "it from there. Only admitted members' votes count.")

# Tests swap in a pooled key pair; generating one takes a while.
keypair = generate_rsa_keypair_async


def uri(config: Config) -> str:
    return config.url(PATH)


def proposal_uri(config: Config, proposal_id: int) -> str:
    return f"{uri(config)}/proposals/{proposal_id}"


def outcome_uri(config: Config, proposal_id: int) -> str:
    return f"{proposal_uri(config, proposal_id)}/outcome"


def actor_urls(config: Config) -> dict[str, str]:
    base = uri(config)
    return {"uri": base, "url": config.url("/proposals"), "inbox_url": f"{base}/inbox",
            "shared_inbox_url": config.url("/inbox"), "outbox_url": f"{base}/outbox",
            "followers_url": f"{base}/followers"}


async def get_coop_account(conn: Conn) -> Account | None:
    account_id = await queries.get_coop_account_id(conn)
    return await accounts_q.get_account(conn, account_id=account_id) if account_id else None


async def ensure_coop_account(conn: Conn, *, config: Config, now: datetime) -> Account:
    """The governance actor, made the first time it is needed. Two callers racing both
    try to insert; the unique username keeps one, and both read that one back."""
    found = await get_coop_account(conn)
    if found is not None:
        return found
    private_pem, public_pem = await keypair()
    urls = actor_urls(config)
    await queries.insert_coop_account(
        conn, account_id=new_id(), display_name=config.instance_name, note=SUMMARY, urls=urls,
        public_key_pem=public_pem, public_key_id=f"{urls['uri']}#main-key",
        private_key_pem=private_pem, now=now)
    made = await get_coop_account(conn)
    if made is None:
        raise RuntimeError("the account name 'coop' is taken by a user account")
    return made


async def is_coop_account(conn: Conn, account_id: int) -> bool:
    return await queries.get_coop_account_id(conn) == account_id


def to_ap_group(actor: dict[str, Any], *, config: Config) -> dict[str, Any]:
    """The Group's actor document (`actor` as queries.get_coop_actor returns it)."""
    base = actor["uri"]
    return serialize.with_context({
        "id": base,
        "type": "Group",
        "preferredUsername": USERNAME,
        "name": actor["display_name"] or config.instance_name,
        "summary": f"<p>{html.escape(actor['note'])}</p>" if actor["note"] else "",
        "url": config.url("/proposals"),
        "inbox": f"{base}/inbox",
        "outbox": f"{base}/outbox",
        "followers": f"{base}/followers",
        "following": f"{base}/following",
        "manuallyApprovesFollowers": False,
        "discoverable": True,
        "published": serialize.iso(actor["created_at"].replace(hour=0, minute=0, second=0,
                                                               microsecond=0)),
        "webfinger": f"{USERNAME}@{config.domain}",
        "publicKey": {"id": actor["public_key_id"] or f"{base}#main-key", "owner": base,
                      "publicKeyPem": actor["public_key_pem"] or ""},
        "endpoints": {"sharedInbox": config.url("/inbox")},
    }, serialize.ACTOR_CONTEXT)
