"""The cooperative's Group actor over ActivityPub, with two Commonhold instances on loopback.

Instance A (ch.test) runs the cooperative; instance B (b.test) is where a member's account
lives. Everything crosses real HTTP: A's Question is stored by B's inbound Create handler
as a remote status with its poll; the member votes through B's Mastodon API; B sends the
vote Note; A's Create handler recognises it as a vote and counts it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from server.accounts import queries as accounts_q
from server.clock import FrozenClock
from server.db import Database
from server.federation.activitypub import remote_actors
from server.federation.activitypub.parse import parse_note
from server.federation.activitypub.signatures import (
    load_public_key,
    parse_request_signature,
    verify_parsed,
)
from server.follows import queries as follows_q
from server.governance.federation import actor as coop_actor
from server.governance.federation import queries as coop_q
from server.governance.members import service as members
from server.governance.proposals import queries as proposals_q
from server.ids import new_id
from server.oauth import queries as oauth_q
from server.oauth import service as oauth_service
from server.oauth.service import OOB
from server.statuses import queries as statuses_q
from server.federation.uris import PUBLIC
from tests.conftest import PostgresForTests
from tests.fakes.fediverse import FakeServer, Fediverse
from tests.federation.conftest import Local, start_local
from tests.federation.factories import make_member, make_remote_account
from tests.governance.factories import found_coop, propose, reload, vote

STANCES = ["agree", "abstain", "disagree", "block"]


@pytest.fixture
async def instance_b(aiohttp_server: Any, postgres: PostgresForTests, clock: FrozenClock,
                     fediverse: Fediverse, local: Local) -> AsyncIterator[Local]:
    dsn = await postgres.create_database()
    db_b = await Database.connect(dsn, min_size=1, max_size=5)
    b, session = await start_local(aiohttp_server, db_b, clock, fediverse, domain="b.test",
                                   base_url="http://b.test")
    yield b
    await session.close()
    await db_b.close()
    await postgres.drop_database(dsn)


async def token_on(instance: Local, account_id: int) -> dict[str, str]:
    token = f"token-{account_id}-{new_id()}"
    async with instance.db.transaction() as conn:
        user_id = await conn.fetchval("SELECT id FROM users WHERE account_id = $1", account_id)
        created = await oauth_service.register_application(
            conn, name="Phone", redirect_uris=OOB, scopes="read write", website=None,
            now=instance.clock.now())
        await oauth_q.insert_access_token(
            conn, token_id=new_id(), token_hash=oauth_service.digest(token),
            application_id=created.application.id, user_id=user_id, scopes=["read", "write"],
            now=instance.clock.now())
    return {"Authorization": f"Bearer {token}"}


async def question_poll_on_b(b: Local, question_uri: str) -> int:
    """The poll of B's copy of A's Question, as B's inbound Create handler stored it."""
    async with b.db.acquire() as conn:
        status = await statuses_q.get_status_by_uri(conn, uri=question_uri)
        assert status is not None and not status.local
        author = await accounts_q.get_account(conn, account_id=status.account_id)
        assert author is not None and author.actor_type == "Group" and author.username == "coop"
        poll_id = await conn.fetchval("SELECT id FROM polls WHERE status_id = $1", status.id)
    assert poll_id is not None
    return int(poll_id)


async def test_a_remote_member_votes_from_their_own_instance_and_a_non_member_does_not_count(
        local: Local, instance_b: Local, fediverse: Fediverse) -> None:
    a, b = local, instance_b
    coop = await found_coop(a.db, a.config, a.clock, ["ada"])
    bob = await make_member(b.db, b.config, b.clock, "bob")
    carol = await make_member(b.db, b.config, b.clock, "carol")
    # A learns bob's account from B, then admits it as `commonhold admit bob@b.test` does.
    bob_on_a = await remote_actors.get_or_fetch_actor(a.ctx, "http://b.test/users/bob")
    async with a.db.transaction() as conn:
        found = await members.get_account_by_acct(conn, acct="bob@b.test")
        assert found.id == bob_on_a.id
        await members.admit(conn, account_id=found.id, member_class=None, now=a.clock.now(),
                            by="cli")
    proposal = await propose(a.db, a.clock, coop["ada"], "general", title="Move to a co-op host",
                             body="We *should*.")
    await a.worker.run_until_idle()       # publishes the Question to bob's server
    await b.worker.run_until_idle()       # B stores the Question with its poll
    poll_on_b = await question_poll_on_b(b, coop_actor.proposal_uri(a.config, proposal.id))

    async def vote_on_b(account_id: int, choice: str) -> Any:
        headers = await token_on(b, account_id)
        async with fediverse.session.post(f"http://b.test/api/v1/polls/{poll_on_b}/votes",
                                          headers=headers, json={"choices": [choice]}) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()

    entity = await vote_on_b(bob.account_id, "0")
    assert entity["own_votes"] == [0] and entity["options"][0]["votes_count"] == 1
    await b.worker.run_until_idle()       # B delivers bob's vote Note to the Group's inbox
    await a.worker.run_until_idle()       # A verifies, stores and processes it
    items = [i for i in await a.inbox_items() if i.type == "Create"]
    assert len(items) == 1 and items[0].state == "processed"
    vote_note = items[0].raw["object"]
    assert vote_note["name"] == "agree" and "content" not in vote_note
    assert vote_note["inReplyTo"] == coop_actor.proposal_uri(a.config, proposal.id)
    assert vote_note["to"] == coop_actor.uri(a.config)
    async with a.db.acquire() as conn:
        ballots = await proposals_q.list_ballots(conn, proposal_id=proposal.id)
        assert [c for _, c, _ in ballots] == ["agree"]

    await vote_on_b(carol.account_id, "2")
    await b.worker.run_until_idle()
    await a.worker.run_until_idle()
    async with a.db.acquire() as conn:
        assert [c for _, c, _ in await proposals_q.list_ballots(conn, proposal_id=proposal.id)
                ] == ["agree"]
        recorded = await coop_q.list_federated_votes(conn, proposal_id=proposal.id)
    assert [(r["choice"], r["counted"]) for r in recorded] == [("agree", True),
                                                              ("disagree", False)]
    assert "member" in recorded[1]["reason"]

    # The same Note delivered again counts once.
    ctx_item = items[0]
    async with a.db.transaction() as conn:
        from server.polls.federation import receive_vote

        voter = await accounts_q.get_account_by_uri(conn, uri=ctx_item.raw["actor"])
        assert voter is not None
        note = parse_note(vote_note, a.config, actor=voter.uri)
        assert await receive_vote(conn, actor=voter, note=note, now=a.clock.now())
    async with a.db.acquire() as conn:
        assert len(await coop_q.list_federated_votes(conn, proposal_id=proposal.id)) == 2
    closed = await reload(a.db, proposal)
    assert closed.status == "open"


async def follow_coop(local: Local, name: str) -> None:
    follower = await make_remote_account(local.db, local.clock, name)
    async with local.db.transaction() as conn:
        coop = await coop_actor.ensure_coop_account(conn, config=local.config,
                                                    now=local.clock.now())
        await follows_q.insert_follow(conn, follow_id=new_id(), account_id=follower,
                                      target_id=coop.id, show_reblogs=True, notify=False,
                                      uri=None, now=local.clock.now())


async def test_opening_and_closing_a_proposal_publish_from_the_group(
        local: Local, mastodon: FakeServer, fediverse: Fediverse) -> None:
    coop = await found_coop(local.db, local.config, local.clock, ["ada", "cyd"])
    await follow_coop(local, "alice")
    member_id = await make_remote_account(local.db, local.clock, "zed", host="gts.test")
    async with local.db.transaction() as conn:
        await members.admit(conn, account_id=member_id, member_class=None,
                            now=local.clock.now(), by="cli")
    proposal = await propose(local.db, local.clock, coop["ada"], "general", title="Buy a server",
                             body="Costs **40**.")
    await local.worker.run_until_idle()
    group = coop_actor.uri(local.config)
    received = [r for r in mastodon.received if r.path == "/inbox"]
    assert len(received) == 1
    create = received[0].json()
    question = create["object"]
    assert create["type"] == "Create" and create["actor"] == group
    assert question["type"] == "Question" and question["attributedTo"] == group
    assert question["id"] == f"{group}/proposals/{proposal.id}"
    assert [o["name"] for o in question["oneOf"]] == STANCES
    assert question["endTime"] == proposal.closes_at.isoformat().replace("+00:00", "Z")
    assert question["to"] == [f"{group}/followers", "http://gts.test/users/zed"]
    assert question["cc"] == [PUBLIC]
    assert "Buy a server" in question["content"] and "<strong>40</strong>" in question["content"]
    # Signed with the Group's own key.
    async with fediverse.session.get(group, headers={"Accept": "application/activity+json"}) as r:
        actor_doc = await r.json()
    assert actor_doc["type"] == "Group" and actor_doc["preferredUsername"] == "coop"
    assert actor_doc["name"] == local.config.instance_name
    headers = received[0].headers
    parsed = parse_request_signature(method="POST", path_qs="/inbox", headers=headers,
                                     body=received[0].body, now=local.clock.now())
    assert parsed.key_id == actor_doc["publicKey"]["id"] == f"{group}#main-key"
    verify_parsed(parsed, load_public_key(actor_doc["publicKey"]["publicKeyPem"]))
    assert len([r for r in fediverse["gts.test"].received if r.path == "/inbox"]) == 1
    async with fediverse.session.get("http://ch.test/.well-known/webfinger",
                                     params={"resource": "acct:coop@ch.test"}) as r:
        jrd = await r.json()
    assert {"rel": "self", "type": "application/activity+json", "href": group} in jrd["links"]
    async with fediverse.session.get(question["id"],
                                     headers={"Accept": "application/activity+json"}) as r:
        assert (await r.json())["oneOf"] == question["oneOf"]

    await vote(local.db, local.clock, coop["ada"], proposal, "agree")
    await vote(local.db, local.clock, coop["cyd"], proposal, "agree")
    assert proposal.closes_at is not None
    local.clock.set(proposal.closes_at + timedelta(seconds=1))
    await local.worker.run_until_idle()
    closed = await reload(local.db, proposal)
    assert closed.status in ("passed", "enacted")
    received = [r.json() for r in mastodon.received if r.path == "/inbox"]
    assert len(received) == 2
    outcome = received[1]["object"]
    assert received[1]["actor"] == group and outcome["type"] == "Note"
    assert outcome["inReplyTo"] == question["id"] and outcome["attributedTo"] == group
    assert "Buy a server" in outcome["content"] and closed.status in outcome["content"]
    assert "agree 2" in outcome["content"] and "/governance/log" in outcome["content"]
    async with local.db.acquire() as conn:
        rows = await conn.fetch("SELECT uri FROM statuses WHERE account_id = "
                                "(SELECT id FROM accounts WHERE username = 'coop') "
                                "AND visibility <> 'direct' ORDER BY id")   # not the reminders
    assert [r["uri"] for r in rows] == [question["id"], outcome["id"]]


async def test_local_members_vote_on_the_proposal_through_the_mastodon_poll(
        local: Local, fediverse: Fediverse) -> None:
    coop = await found_coop(local.db, local.config, local.clock, ["ada"], others=("nia",))
    proposal = await propose(local.db, local.clock, coop["ada"], "general", title="Paint it")
    await local.worker.run_until_idle()
    async with local.db.acquire() as conn:
        poll_id = await conn.fetchval("SELECT id FROM polls WHERE proposal_id = $1", proposal.id)
    url = f"http://ch.test/api/v1/polls/{poll_id}/votes"

    async def post(account_id: int, choice: str) -> tuple[int, Any]:
        headers = await token_on(local, account_id)
        async with fediverse.session.post(url, headers=headers, json={"choices": [choice]}) as r:
            return r.status, await r.json()

    status, body = await post(coop["ada"].account_id, "3")
    assert status == 422 and "reason" in body["error"]
    assert (await post(coop["ada"].account_id, "2"))[0] == 200
    status, body = await post(coop["ada"].account_id, "0")      # a changed vote replaces
    assert status == 200 and body["own_votes"] == [0] and body["votes_count"] == 1
    assert (await post(coop["nia"].account_id, "0"))[0] == 403
    async with local.db.acquire() as conn:
        assert [c for _, c, _ in await proposals_q.list_ballots(conn, proposal_id=proposal.id)
                ] == ["agree"]
