"""Flag: reports from other servers."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.federation import queries as fed_q
from server.jobs import queries as jobs_q
from tests.fakes.fediverse import FakeActor, FakeServer, payload
from tests.federation.conftest import Local
from tests.federation.factories import make_status
from tests.federation.helpers import INBOX, account_by_uri, deliver_and_process


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
    instance = await account_by_uri(local, "http://mastodon.test/actor")
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


async def test_a_remote_server_that_is_down_makes_the_job_retry(local: Local, ada: Any,
                                                                alice: FakeActor,
                                                                mastodon: FakeServer) -> None:
    async def down(request: web.Request) -> web.Response:
        return web.Response(status=503)
    flag = {**payload("mastodon/flag.json"), "actor": alice.uri, "id": f"{alice.uri}#flags/2"}
    status, _ = await mastodon.deliver(alice, flag, to=INBOX)
    assert status == 202
    await local.verify_deferred()  # alice's key is fetched (stored) while her server is up
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
    await local.verify_deferred()  # bob's key is fetched (stored) before he is deleted
    async with local.db.transaction() as conn:
        await conn.execute("DELETE FROM accounts WHERE uri = $1", bob.uri)
    mastodon.custom["/users/bob"] = down
    await local.worker.run_until_idle()
    item = next(i for i in await local.inbox_items() if i.activity_id == flag2["id"])
    assert item.state == "received" and "503" in item.error
    async with local.db.acquire() as conn:
        [job] = await jobs_q.list_jobs(conn, kind="federation.process_inbox_item")
    assert job.state == "ready" and job.attempts == 1 and "503" in job.last_error
