"""Where a local author's Create goes: one inbox per server of its remote followers, found
through the index of remote follows only (migration 0022), so local followers cost nothing."""

from __future__ import annotations

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.federation.outbound.common import follower_inboxes
from server.follows import service as follows
from tests.helpers import make_account, make_remote_account


async def test_only_remote_followers_inboxes_one_per_server(
        db: Database, config: Config, clock: FrozenClock) -> None:
    ada = await make_account(db, config, clock, "ada")
    bea = await make_account(db, config, clock, "bea")
    alice = await make_remote_account(db, clock, "alice", "one.test")
    bob = await make_remote_account(db, clock, "bob", "one.test")
    cy = await make_remote_account(db, clock, "cy", "two.test")
    async with db.transaction() as conn:
        await follows.follow(conn, config=config, follower=bea, target=ada, now=clock.now())
        assert await follower_inboxes(conn, ada.id) == []
        for fan in (alice, bob, cy):
            await follows.follow(conn, config=None, follower=fan, target=ada, now=clock.now())
        assert sorted(await follower_inboxes(conn, ada.id)) == [
            "https://one.test/inbox", "https://two.test/inbox"]
        flags = await conn.fetch("SELECT account_id, follower_remote FROM follows "
                                 "WHERE target_account_id = $1", ada.id)
        assert {r["account_id"]: r["follower_remote"] for r in flags} == {
            bea.id: False, alice.id: True, bob.id: True, cy.id: True}
