"""Outbound tests: our app (`local`, as ch.test) with a member, ada, whose followers live on
the fake Mastodon and GoToSocial servers, which record every POST they receive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from multidict import CIMultiDict

from server.accounts import queries as accounts_q
from server.accounts.queries import Account
from server.federation.activitypub import signatures
from server.statuses import quote_policy
from server.statuses import service as statuses
from server.statuses.compose import Draft
from server.statuses.queries import Status
from tests.fakes.fediverse import Fediverse, Received
from tests.federation.conftest import Local
from tests.federation.factories import follow, make_member, make_remote_account, make_status


@dataclass
class World:
    local: Local
    fediverse: Fediverse
    ada: Account

    async def account(self, account_id: int) -> Account:
        async with self.local.db.acquire() as conn:
            found = await accounts_q.get_account(conn, account_id=account_id)
        assert found is not None
        return found

    async def remote(self, name: str, host: str = "mastodon.test", *,
                     follows_ada: bool = False) -> Account:
        account_id = await make_remote_account(self.local.db, self.local.clock, name, host)
        if follows_ada:
            await follow(self.local.db, self.local.clock, account_id, self.ada.id)
        return await self.account(account_id)

    async def remote_status(self, author: Account, number: int = 1, **fields: Any) -> Status:
        # As its server published it: anyone may quote it (`canQuote` naming the public),
        # unless the test says otherwise.
        fields.setdefault("quote_policy", quote_policy.CHOICES["public"])
        return await make_status(self.local.db, self.local.clock, account_id=author.id,
                                 username=None, uri=f"{author.uri}/statuses/{number}", **fields)

    async def post(self, text: str, **draft: Any) -> Status:
        async with self.local.db.transaction() as conn:
            return await statuses.create_status(conn, config=self.local.config, author=self.ada,
                                                draft=Draft(text=text, **draft),
                                                now=self.local.clock.now())

    async def run(self) -> None:
        await self.local.worker.run_until_idle()

    def received(self, host: str, path: str = "/inbox") -> list[dict[str, Any]]:
        return self.fediverse[host].received_at(path)

    def posts(self, host: str) -> list[Received]:
        return list(self.fediverse[host].received)

    def all_posts(self) -> list[tuple[str, Received]]:
        return [(host, r) for host, server in self.fediverse.servers.items()
                for r in server.received]

    def types(self, host: str, path: str = "/inbox") -> list[str]:
        return [a["type"] for a in self.received(host, path)]

    def verify(self, received: Received, signer: Account | None = None) -> None:
        """The POST is signed by `signer` (ada by default) over the body that arrived."""
        signer = signer or self.ada
        parsed = signatures.parse_request_signature(
            method="POST", path_qs=received.path, headers=CIMultiDict(received.headers),
            body=received.body, now=self.local.clock.now(), scheme="http")
        assert parsed.key_id == signer.public_key_id
        assert signer.public_key_pem is not None
        signatures.verify_parsed(parsed, signatures.load_public_key(signer.public_key_pem))
        assert received.headers["Content-Type"] == "application/activity+json"


@pytest.fixture
async def world(local: Local, fediverse: Fediverse) -> World:
    user = await make_member(local.db, local.config, local.clock, "ada")
    async with local.db.acquire() as conn:
        ada = await accounts_q.get_account(conn, account_id=user.account_id)
    assert ada is not None
    return World(local, fediverse, ada)
