"""The processing job: Mastodon-shaped activities delivered by the fake server end up
processed, ignored or failed with a reason, and the worker keeps going."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from server.accounts import queries as accounts_q
from server.federation import queries as fed_q
from server.federation.activitypub import queries as ap_q
from server.jobs import queries as jobs_q
from server.statuses import queries as statuses_q
from tests.fakes.fediverse import FakeActor, FakeServer, payload
from tests.federation.conftest import Local
from tests.federation.factories import follow, make_member, make_status

INBOX = "http://ch.test/inbox"


@pytest.fixture
async def ada(local: Local) -> Any:
    return await make_member(local.db, local.config, local.clock, "ada")


@pytest.fixture
def alice(mastodon: FakeServer) -> FakeActor:
    return mastodon.add_actor("alice", display_name="Alice")


async def deliver_and_process(local: Local, sender: FakeActor, activity: dict[str, Any], *,
                              key_id: str | None = None, private_key: Any = None) -> Any:
    status, text = await sender.server.deliver(sender, activity, to=INBOX, key_id=key_id,
                                               private_key=private_key)
    assert status == 202, text
    await local.worker.run_until_idle()
    async with local.db.acquire() as conn:
        for item in await ap_q.list_inbox_items(conn):
            if item.activity_id == activity["id"]:
                return item
    raise AssertionError("the activity was not stored")


async def _account(local: Local, uri: str) -> Any:
    async with local.db.acquire() as conn:
        return await accounts_q.get_account_by_uri(conn, uri=uri)


async def test_update_of_an_actor_refreshes_the_profile_from_the_embedded_document(
        local: Local, ada: Any, alice: FakeActor) -> None:
    alice.display_name, alice.locked = "Alice (on holiday)", True
    alice.summary = '<p>Back soon <script>alert(1)</script></p>'
    update = payload("mastodon/update_actor.json")
    update["object"] = alice.document()
    item = await deliver_and_process(local, alice, update)
    assert (item.state, item.error) == ("processed", None)
    account = await _account(local, alice.uri)
    assert account.display_name == "Alice (on holiday)" and account.locked is True
    assert "<script>" not in account.note and "Back soon" in account.note
    assert alice.server.fetches_of("/users/alice") == 1  # only for the signature's key


async def test_update_naming_the_actor_by_id_fetches_the_profile(local: Local, ada: Any,
                                                                 alice: FakeActor) -> None:
    update = payload("mastodon/update_actor.json")
    update["object"] = alice.uri
    await alice.server.deliver(alice, {**update, "id": update["id"] + "-first"}, to=INBOX)
    alice.display_name = "Alice Renamed"
    item = await deliver_and_process(local, alice, update)
    assert item.state == "processed"
    assert (await _account(local, alice.uri)).display_name == "Alice Renamed"


async def test_an_actor_cannot_update_someone_elses_profile(local: Local, ada: Any,
                                                            alice: FakeActor,
                                                            mastodon: FakeServer) -> None:
    bob = mastodon.add_actor("bob")
    update = payload("mastodon/update_actor.json")
    update["object"] = bob.document()
    item = await deliver_and_process(local, alice, update)
    assert item.state == "failed" and "only update its own profile" in item.error


async def test_delete_of_an_actor_removes_it_and_tombstones_its_posts(
        local: Local, ada: Any, alice: FakeActor) -> None:
    await deliver_and_process(local, alice, {**payload("mastodon/like.json"), "id":
                                             f"{alice.uri}#likes/1"})
    account = await _account(local, alice.uri)
    posts = [await make_status(local.db, local.clock, account_id=account.id, username=None,
                               uri=f"{alice.uri}/statuses/{n}") for n in range(3)]
    mine = await make_status(local.db, local.clock, account_id=ada.account_id, username="ada",
                             config=local.config)
    boost = await make_status(local.db, local.clock, account_id=ada.account_id, username="ada",
                              config=local.config, reblog_of_id=posts[0].id, content="")
    await follow(local.db, local.clock, account.id, ada.account_id)
    await follow(local.db, local.clock, ada.account_id, account.id)

    item = await deliver_and_process(local, alice, payload("mastodon/delete_actor.json"))
    assert item.state == "processed"
    assert (await _account(local, alice.uri)).suspended_at is not None
    async with local.db.acquire() as conn:
        statuses = await statuses_q.get_statuses(
            conn, status_ids=[p.id for p in posts] + [mine.id, boost.id])
        assert await conn.fetchval("SELECT count(*) FROM follows") == 0
    assert all(statuses[p.id].deleted_at is not None for p in posts)
    assert statuses[boost.id].deleted_at is not None
    assert statuses[mine.id].deleted_at is None
    # What the deleted actor sends afterwards is dropped at the door.
    status, _ = await alice.server.deliver(alice, payload("mastodon/follow.json"), to=INBOX)
    assert status == 202
    assert len(await local.inbox_items()) == 2


async def test_flag_from_a_mastodon_instance_actor_is_stored_as_a_report(
        local: Local, ada: Any, mastodon: FakeServer) -> None:
    post = await make_status(local.db, local.clock, account_id=ada.account_id, username="ada",
                             config=local.config)
    flag = payload("mastodon/flag.json")
    flag["object"] = ["http://ch.test/users/ada", post.uri, "http://mastodon.test/users/x"]
    reporter = mastodon.instance_actor
    item = await deliver_and_process(local, reporter, {**flag, "actor": "http://mastodon.test/actor"},
                                     key_id="http://mastodon.test/actor#main-key")
    assert (item.state, item.error) == ("processed", None)
    async with local.db.acquire() as conn:
        [report] = await fed_q.list_reports(conn)
    instance = await _account(local, "http://mastodon.test/actor")
    assert instance.actor_type == "Application" and instance.username == "mastodon.test"
    assert report["reporter_account_id"] == instance.id
    assert report["target_account_ids"] == [ada.account_id]
    assert report["status_uris"] == [post.uri]
    assert report["comment"] == "Spam links in replies to several of our members."
    assert report["origin_domain"] == "mastodon.test" and report["uri"] == flag["id"]


async def test_flag_naming_none_of_our_accounts_is_ignored(local: Local, ada: Any,
                                                           alice: FakeActor) -> None:
    flag = {**payload("mastodon/flag.json"), "actor": alice.uri,
            "id": f"{alice.uri}#flags/1", "object": ["http://mastodon.test/users/someone"]}
    item = await deliver_and_process(local, alice, flag)
    assert item.state == "ignored" and "none of our accounts" in item.error
    assert await local.count("reports") == 0


@pytest.mark.parametrize("name", ["follow", "accept", "like", "undo_like", "announce",
                                  "create_note", "create_question", "update_note",
                                  "delete_note", "block", "move"])
async def test_types_whose_handlers_come_next_are_parsed_then_ignored_for_now(
        local: Local, ada: Any, alice: FakeActor, name: str) -> None:
    item = await deliver_and_process(local, alice, payload(f"mastodon/{name}.json"))
    assert item.state == "ignored" and item.error.startswith("not handled yet")


async def test_unknown_types_are_stored_and_ignored_with_the_reason(local: Local, ada: Any,
                                                                    alice: FakeActor) -> None:
    add = {"id": f"{alice.uri}#add/1", "type": "EmojiReact", "actor": alice.uri,
           "object": "http://ch.test/users/ada/statuses/1", "content": "🍅"}
    item = await deliver_and_process(local, alice, add)
    assert item.state == "ignored"
    assert item.error == "activity type 'EmojiReact' is not supported"


async def test_a_malformed_activity_fails_with_a_reason_and_the_worker_goes_on(
        local: Local, ada: Any, alice: FakeActor) -> None:
    broken = {"id": f"{alice.uri}/statuses/9/activity", "type": "Create", "actor": alice.uri,
              "object": 42}
    spoofed = {**payload("mastodon/create_note.json"), "id": f"{alice.uri}/statuses/10/activity"}
    spoofed["object"] = {**spoofed["object"], "attributedTo": "http://mastodon.test/users/bob"}
    update = {**payload("mastodon/update_actor.json"), "object": alice.document()}
    for activity in (broken, spoofed, update):
        status, _ = await alice.server.deliver(alice, activity, to=INBOX)
        assert status == 202
    await local.worker.run_until_idle()
    items = {i.activity_id: i for i in await local.inbox_items()}
    assert items[broken["id"]].state == "failed"
    assert items[broken["id"]].error == "Create must embed the object it creates"
    assert items[spoofed["id"]].state == "failed"
    assert "attributed to someone other" in items[spoofed["id"]].error
    assert items[update["id"]].state == "processed"
    async with local.db.acquire() as conn:
        assert await jobs_q.count_jobs_by_state(conn) == {}


async def test_a_remote_server_that_is_down_makes_the_job_retry(local: Local, ada: Any,
                                                                alice: FakeActor,
                                                                mastodon: FakeServer) -> None:
    async def down(request: web.Request) -> web.Response:
        return web.Response(status=503)
    flag = {**payload("mastodon/flag.json"), "actor": alice.uri, "id": f"{alice.uri}#flags/2"}
    status, _ = await mastodon.deliver(alice, flag, to=INBOX)
    assert status == 202
    async with local.db.transaction() as conn:  # make the reporter look stale
        await conn.execute("UPDATE accounts SET fetched_at = fetched_at - interval '2 days'"
                           " WHERE uri = $1", alice.uri)
    mastodon.custom["/users/alice"] = down
    del mastodon.actors["alice"]
    await local.worker.run_until_idle()
    [item] = await local.inbox_items()
    # a stale copy of the reporter is good enough, so the report is still taken
    assert item.state == "processed"
    async with local.db.acquire() as conn:
        await conn.execute("DELETE FROM reports")
    bob = mastodon.add_actor("bob")
    flag2 = {**flag, "actor": bob.uri, "id": f"{bob.uri}#flags/3"}
    status, _ = await mastodon.deliver(bob, flag2, to=INBOX)
    async with local.db.transaction() as conn:
        await conn.execute("DELETE FROM accounts WHERE uri = $1", bob.uri)
    mastodon.custom["/users/bob"] = down
    await local.worker.run_until_idle()
    item = next(i for i in await local.inbox_items() if i.activity_id == flag2["id"])
    assert item.state == "received" and "503" in item.error
    async with local.db.acquire() as conn:
        [job] = await jobs_q.list_jobs(conn, kind="federation.process_inbox_item")
    assert job.state == "ready" and job.attempts == 1 and "503" in job.last_error
