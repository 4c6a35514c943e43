"""A member quotes a post (FEP-044f, as Mastodon 4.5 does): a post elsewhere is asked for
with a QuoteRequest to its author, whose Accept (with a stamp) or Reject decides the quote and
sends the Note out again; a post here is decided at once; the Notes name what they quote."""

from __future__ import annotations

from typing import Any

import pytest

from server.errors import ValidationError
from server.statuses import quote_policy
from server.statuses import service as statuses
from server.statuses.compose import Draft
from tests.fakes.fediverse import FakeActor
from tests.federation.factories import make_member, make_status
from tests.federation.helpers import deliver_and_process
from tests.federation.inbox.support import fetch
from tests.federation.outbound.conftest import World

pytestmark = pytest.mark.usefixtures("world")
STAMP = "http://gts.test/users/bea/authorizations/01JSTAMP"


async def quote_rows(world: World) -> list[dict[str, Any]]:
    return await fetch(world.local, "SELECT status_id, state, approval_uri, activity_uri"
                                    " FROM status_quotes ORDER BY status_id")


async def bea_post(world: World) -> tuple[FakeActor, Any]:
    bea = world.fediverse["gts.test"].add_actor("bea", display_name="Bea")
    account = await world.remote("bea", "gts.test")
    post = await world.remote_status(account, 7)
    return bea, post


def answer(bea: FakeActor, kind: str, request: dict[str, Any]) -> dict[str, Any]:
    doc = {"@context": "https://www.w3.org/ns/activitystreams",
           "id": f"{bea.uri}#{kind.lower()}s/1", "type": kind, "actor": bea.uri,
           "object": {k: request[k] for k in ("id", "type", "actor", "instrument", "object")}}
    if kind == "Accept":
        doc["result"] = STAMP
    return doc


async def test_quoting_a_post_elsewhere_asks_its_author_and_an_accept_sends_the_stamp(
        world: World) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)
    bea, post = await bea_post(world)
    status = await world.post("so true", quoted_status_id=post.id)
    await world.run()
    # Bea's server gets the post (she is quoted) and, at her own inbox, the request.
    [request] = world.received("gts.test", "/users/bea/inbox")
    assert request["type"] == "QuoteRequest" and request["actor"] == world.ada.uri
    assert request["id"] == f"{world.ada.uri}#quote_requests/{status.id}"
    assert request["object"] == post.uri
    note = request["instrument"]
    assert note["id"] == status.uri and note["quote"] == post.uri
    assert note["_misskey_quote"] == note["quoteUri"] == post.uri
    assert "quoteAuthorization" not in note
    assert note["content"].startswith(f'<p class="quote-inline">RE: <a href="{post.uri}">')
    assert world.types("gts.test") == ["Create"]
    [create] = world.received("mastodon.test")
    assert create["object"]["quote"] == post.uri
    assert await quote_rows(world) == [{"status_id": status.id, "state": "pending",
                                        "approval_uri": None,
                                        "activity_uri": request["id"]}]

    item = await deliver_and_process(world.local, bea, answer(bea, "Accept", request))
    assert (item.state, item.error) == ("processed", None)
    assert [(r["state"], r["approval_uri"]) for r in await quote_rows(world)] == \
        [("accepted", STAMP)]
    # The Note goes out again, naming the stamp, to everyone who got it.
    [_, update] = world.received("mastodon.test")
    assert update["type"] == "Update" and update["object"]["quoteAuthorization"] == STAMP


async def test_a_reject_refuses_the_quote(world: World) -> None:
    bea, post = await bea_post(world)
    status = await world.post("hmm", quoted_status_id=post.id)
    await world.run()
    [request] = world.received("gts.test", "/users/bea/inbox")
    item = await deliver_and_process(world.local, bea, answer(bea, "Reject", request))
    assert item.state == "processed"
    assert [(r["status_id"], r["state"]) for r in await quote_rows(world)] == \
        [(status.id, "rejected")]


async def test_only_the_quoted_author_can_answer(world: World) -> None:
    bea, post = await bea_post(world)
    await world.post("hmm", quoted_status_id=post.id)
    await world.run()
    [request] = world.received("gts.test", "/users/bea/inbox")
    mallory = world.fediverse["mastodon.test"].add_actor("mallory")
    item = await deliver_and_process(world.local, mallory, answer(mallory, "Accept", request))
    assert item.state == "ignored"
    assert [r["state"] for r in await quote_rows(world)] == ["pending"]


async def test_quoting_a_post_here_is_decided_at_once_and_our_stamp_named(
        world: World) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)
    bob = await make_member(world.local.db, world.local.config, world.local.clock, "bob")
    post = await make_status(world.local.db, world.local.clock, account_id=bob.account_id,
                             username="bob", config=world.local.config)
    status = await world.post("agreed", quoted_status_id=post.id)
    await world.run()
    assert [r["state"] for r in await quote_rows(world)] == ["accepted"]
    [create] = world.received("mastodon.test")
    stamp = f"http://ch.test/users/bob/quote_authorizations/{status.id}"
    assert create["object"]["quote"] == post.uri
    assert create["object"]["quoteAuthorization"] == stamp
    assert world.received("gts.test") == []      # nobody there, and no request to send
    async with world.fediverse.session.get(stamp, headers={"Accept":
                                           "application/activity+json"}) as resp:
        doc = await resp.json(content_type=None)
    assert (doc["interactingObject"], doc["interactionTarget"]) == (status.uri, post.uri)


@pytest.mark.parametrize("visibility", ["private", "direct"])
async def test_a_followers_only_post_of_someone_else_cannot_be_quoted(
        world: World, visibility: str) -> None:
    bob = await make_member(world.local.db, world.local.config, world.local.clock, "bob")
    post = await make_status(world.local.db, world.local.clock, account_id=bob.account_id,
                             username="bob", config=world.local.config, visibility=visibility)
    with pytest.raises(ValidationError) as refused:
        await world.post("hmm", quoted_status_id=post.id)
    assert refused.value.detail["field"] == "quoted_status_id"
    own = await make_status(world.local.db, world.local.clock, account_id=world.ada.id,
                            username="ada", config=world.local.config, visibility=visibility)
    if visibility == "direct":   # not even by its author, as in Mastodon
        with pytest.raises(ValidationError):
            await world.post("me again", quoted_status_id=own.id, visibility="direct")
        assert await quote_rows(world) == []
        return
    status = await world.post("me again", quoted_status_id=own.id, visibility="private")
    assert [(r["status_id"], r["state"]) for r in await quote_rows(world)] == \
        [(status.id, "accepted")]


async def test_a_post_elsewhere_is_asked_for_only_where_its_policy_may_allow(
        world: World) -> None:
    """Its server's `canQuote`, as stored: none (a server that takes no quote requests) or
    one for those the author follows refuses at once; one naming particular actors, which
    only its server can apply, or for review by hand is asked for."""
    bea = world.fediverse["gts.test"].add_actor("bea", display_name="Bea")
    account = await world.remote("bea", "gts.test")
    for number, policy in ((1, 0), (2, quote_policy.FOLLOWING << 16)):
        post = await world.remote_status(account, number, quote_policy=policy)
        with pytest.raises(ValidationError):
            await world.post("hmm", quoted_status_id=post.id)
    assert await quote_rows(world) == []
    for number, policy in ((3, quote_policy.UNSUPPORTED << 16), (4, quote_policy.PUBLIC)):
        post = await world.remote_status(account, number, quote_policy=policy)
        await world.post("let me", quoted_status_id=post.id)
    await world.run()
    assert [r["state"] for r in await quote_rows(world)] == ["pending", "pending"]
    assert len(world.received("gts.test", "/users/bea/inbox")) == 2
    assert bea.uri == account.uri


async def test_a_boost_or_a_missing_post_cannot_be_quoted(world: World) -> None:
    bob = await make_member(world.local.db, world.local.config, world.local.clock, "bob")
    post = await make_status(world.local.db, world.local.clock, account_id=bob.account_id,
                             username="bob", config=world.local.config)
    async with world.local.db.transaction() as conn:
        boost = await statuses.reblog(conn, config=world.local.config, account=world.ada,
                                      status_id=post.id,
                                      now=world.local.clock.now())
    for quoted_id in (boost.id, 12345):
        with pytest.raises(ValidationError):
            await world.post("hmm", quoted_status_id=quoted_id)
    assert await quote_rows(world) == []
    assert Draft(text="x").quoted_status_id is None


async def test_an_answer_naming_our_request_by_id_only_is_understood(world: World) -> None:
    bea, post = await bea_post(world)
    await world.post("hmm", quoted_status_id=post.id)
    await world.run()
    [request] = world.received("gts.test", "/users/bea/inbox")
    accept = answer(bea, "Accept", request)
    accept["object"] = request["id"]
    item = await deliver_and_process(world.local, bea, accept)
    assert (item.state, item.error) == ("processed", None)
    assert [r["state"] for r in await quote_rows(world)] == ["accepted"]


async def test_who_may_quote_changed_goes_out_as_an_update(world: World) -> None:
    await world.remote("alice", "mastodon.test", follows_ada=True)
    status = await world.post("quote me, friends")
    await world.run()
    assert world.types("mastodon.test") == ["Create"]
    async with world.local.db.transaction() as conn:
        changed = await statuses.set_quote_policy(
            conn, author=world.ada, status_id=status.id,
            policy=quote_policy.CHOICES["followers"], now=world.local.clock.now())
        # the same choice again changes nothing and sends nothing
        again = await statuses.set_quote_policy(
            conn, author=world.ada, status_id=status.id,
            policy=quote_policy.CHOICES["followers"], now=world.local.clock.now())
    assert changed.quote_policy == again.quote_policy == quote_policy.FOLLOWERS << 16
    await world.run()
    create, update = world.received("mastodon.test")
    assert update["type"] == "Update" and update["object"]["id"] == status.uri
    assert update["object"]["interactionPolicy"] == {
        "canQuote": {"automaticApproval": [f"{world.ada.uri}/followers"]}}
    assert "updated" not in update["object"]   # not an edit
