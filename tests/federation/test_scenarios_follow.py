"""Stories of following between two Commonhold servers: Ada on ch.test follows Bea (open)
and Cora (locked) on two.test; Cora approves or refuses; Ada unfollows; Bea blocks Ada."""

from __future__ import annotations

import pytest

from server.accounts.queries import Account
from server.follows import service as follows
from tests.federation.pair import Pair, pair_fixture  # noqa: F401  (the fixture)


async def _follow(pair: Pair, name: str, *,
                  locked: bool = False) -> tuple[Account, Account, Account]:
    ada = await pair.one.member("ada")
    other = await pair.two.member(name, locked=locked)
    target = await pair.one.resolve(f"{name}@two.test")
    async with pair.one.tx() as conn:
        state = await follows.follow(conn, config=pair.one.local.config, follower=ada,
                                     target=target, now=pair.one.local.clock.now())
    assert state == "requested"      # until the other server says yes
    await pair.settle()
    return ada, other, target


async def test_ada_follows_bea_whose_account_is_open(pair: Pair) -> None:
    ada, bea, _ = await _follow(pair, "bea")
    assert await pair.one.follows(ada, bea) == "following"
    assert await pair.two.follows(ada, bea) == "following"
    assert await pair.two.notifications(bea) == [("follow", ada.uri)]
    assert await pair.one.counts(ada) == (0, 1)
    assert await pair.two.counts(bea) == (1, 0)


async def test_ada_asks_locked_cora_who_approves(pair: Pair) -> None:
    ada, cora, _ = await _follow(pair, "cora", locked=True)
    assert await pair.one.follows(ada, cora) == "requested"
    assert await pair.two.follows(ada, cora) == "requested"
    assert await pair.two.notifications(cora) == [("follow_request", ada.uri)]

    async with pair.two.tx() as conn:
        await follows.accept_request(conn, follower=await pair.two.account(ada), target=cora,
                                     now=pair.two.local.clock.now())
    await pair.settle()
    assert await pair.one.follows(ada, cora) == "following"
    assert await pair.two.follows(ada, cora) == "following"
    assert await pair.two.counts(cora) == (1, 0)


async def test_locked_cora_refuses_ada(pair: Pair) -> None:
    ada, cora, _ = await _follow(pair, "cora", locked=True)
    async with pair.two.tx() as conn:
        await follows.reject_request(conn, follower=await pair.two.account(ada), target=cora,
                                     now=pair.two.local.clock.now())
    await pair.settle()
    assert await pair.one.follows(ada, cora) is None
    assert await pair.two.follows(ada, cora) is None
    assert await pair.one.counts(ada) == (0, 0)


async def test_ada_unfollows_bea(pair: Pair) -> None:
    ada, bea, target = await _follow(pair, "bea")
    assert await pair.two.follows(ada, bea) == "following"
    async with pair.one.tx() as conn:
        await follows.unfollow(conn, follower=ada, target=target, now=pair.one.local.clock.now())
    await pair.settle()
    assert await pair.one.follows(ada, bea) is None
    assert await pair.two.follows(ada, bea) is None
    assert await pair.two.counts(bea) == (0, 0)


async def test_bea_blocks_ada_who_stops_following_her(pair: Pair) -> None:
    ada, bea, target = await _follow(pair, "bea")
    assert await pair.one.follows(ada, bea) == "following"
    async with pair.two.tx() as conn:
        await follows.block(conn, config=pair.two.local.config, account=bea,
                            target=await pair.two.account(ada), now=pair.two.local.clock.now())
    await pair.settle()
    assert await pair.two.follows(ada, bea) is None
    assert await pair.one.follows(ada, bea) is None
    async with pair.one.local.db.acquire() as conn:
        assert await conn.fetchval(
            "SELECT count(*) FROM blocks WHERE account_id = $1 AND target_account_id = $2",
            target.id, ada.id) == 1
    # A blocked account cannot follow again (the Follow would be refused over there too).
    with pytest.raises(Exception, match="not allowed"):
        async with pair.one.tx() as conn:
            await follows.follow(conn, config=pair.one.local.config, follower=ada,
                                 target=target, now=pair.one.local.clock.now())
