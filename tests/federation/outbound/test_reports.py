"""A report about an account on another server goes there as a Flag when the member asks for
it to be forwarded: from the instance actor, signed with its key, naming the account and the
reported posts, once; nothing otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from multidict import CIMultiDict

from server.federation.activitypub import instance_actor, signatures
from server.reports import service as reports
from tests.federation.outbound.conftest import World

pytestmark = pytest.mark.usefixtures("world")
ALICE_INBOX = "/users/alice/inbox"


async def _report(world: World, target_id: int, *, forward: bool,
                  status_ids: list[int] | None = None) -> dict[str, Any]:
    async with world.local.db.transaction() as conn:
        return await reports.file_report(
            conn, reporter_id=world.ada.id, target_id=target_id, status_ids=status_ids or [],
            comment="Spam links in every reply", category="spam", rule_ids=[],
            known_rule_ids=set(), forward=forward, now=world.local.clock.now())


async def test_a_forwarded_report_is_a_flag_from_the_instance_actor(world: World) -> None:
    alice = await world.remote("alice")
    post = await world.remote_status(alice, 7)
    report = await _report(world, alice.id, forward=True, status_ids=[post.id])
    await world.run()
    [flag] = world.received("mastodon.test", ALICE_INBOX)
    config = world.local.config
    assert {k: v for k, v in flag.items() if k not in ("@context", "id")} == {
        "type": "Flag", "actor": instance_actor.uri(config),
        "content": "Spam links in every reply", "object": [alice.uri, post.uri]}
    assert flag["id"].startswith(config.url("/"))
    assert world.ada.uri not in str(flag)     # the member who reported stays anonymous
    [received] = world.posts("mastodon.test")
    parsed = signatures.parse_request_signature(
        method="POST", path_qs=received.path, headers=CIMultiDict(received.headers),
        body=received.body, now=world.local.clock.now(), scheme="http")
    assert parsed.key_id == instance_actor.key_id(config)
    keys = await instance_actor.get_instance_actor(world.local.db, world.local.clock)
    signatures.verify_parsed(parsed, signatures.load_public_key(keys.public_key_pem))
    async with world.local.db.acquire() as conn:
        assert await conn.fetchval("SELECT forwarded FROM reports WHERE id = $1", report["id"])
    # The job again (a worker that died after queueing it): no second Flag.
    from server.federation.outbound.reports import send_flag
    await send_flag(world.local.worker.ctx, {"report_id": str(report["id"])})
    await world.run()
    assert len(world.received("mastodon.test", ALICE_INBOX)) == 1


async def test_no_flag_unless_asked_and_remote(world: World) -> None:
    alice = await world.remote("alice")
    await _report(world, alice.id, forward=False)
    from tests.federation.factories import make_member
    bea = await make_member(world.local.db, world.local.config, world.local.clock, "bea")
    await _report(world, bea.account_id, forward=True)
    await world.run()
    assert world.all_posts() == []
