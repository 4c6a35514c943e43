"""Following from profile pages (local and remote accounts), follow requests answered from
/notifications, and what notifications show."""

from __future__ import annotations

from typing import Any

from server.app import create_app, make_client_session
from server.clock import FrozenClock
from server.db import Database
from server.federation.activitypub import remote_actors
from server.jobs.context import JobContext
from server.jobs.registry import job_handlers
from server.jobs.worker import Worker
from tests.conftest import make_config
from tests.federation.conftest import alice, fediverse, mastodon  # noqa: F401 - fixtures
from tests.fakes.fediverse import FakeActor, FakeServer, Fediverse
from tests.helpers import make_user, sign_in
from tests.web.conftest import status_ids


async def test_follow_from_a_profile_then_their_posts_reach_home(member: Any, worker: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    status, page = await bob.page("/@ada")
    assert status == 200 and ">Follow</button>" in page
    resp = await bob.form(f"/accounts/{ada.account.id}/follow", {"next": "/@ada"},
                          token_from="/@ada")
    assert resp.status == 303 and resp.headers["Location"] == "/@ada"
    status, page = await bob.page("/@ada")
    assert ">Unfollow</button>" in page
    status, page = await ada.page("/@bob")
    assert "Follows you" in page
    assert ">Follow<" not in (await ada.page("/@ada"))[1]   # no button on one's own profile
    resp = await ada.form("/statuses", {"status": "news for followers", "visibility": "private"},
                          token_from="/home")
    await worker().run_until_idle()
    status, page = await bob.page("/home")
    assert "news for followers" in page
    status, page = await ada.page("/notifications")
    assert status == 200 and "followed you" in page
    resp = await bob.form(f"/accounts/{ada.account.id}/unfollow", {"next": "/@ada"},
                          token_from="/@ada")
    assert resp.status == 303
    assert ">Follow</button>" in (await bob.page("/@ada"))[1]
    assert "news for followers" not in (await bob.page("/@ada"))[1]


async def test_locked_account_answers_requests_from_notifications(member: Any, db: Database,
                                                                  worker: Any) -> None:
    ada, bob, cy = await member("ada"), await member("bob"), await member("cy")
    async with db.transaction() as conn:
        await conn.execute("UPDATE accounts SET locked = true WHERE id = $1", ada.account.id)
    await bob.form(f"/accounts/{ada.account.id}/follow", {}, token_from="/home")
    await cy.form(f"/accounts/{ada.account.id}/follow", {}, token_from="/home")
    assert "Cancel follow request" in (await bob.page("/@ada"))[1]
    status, page = await ada.page("/notifications")
    assert page.count(">Accept</button>") == 2 and "asked to follow you" in page
    resp = await ada.form(f"/follow_requests/{bob.account.id}/authorize", {},
                          token_from="/notifications")
    assert resp.status == 303 and resp.headers["Location"] == "/notifications"
    resp = await ada.form(f"/follow_requests/{cy.account.id}/reject", {},
                          token_from="/notifications")
    assert resp.status == 303
    assert ">Unfollow</button>" in (await bob.page("/@ada"))[1]
    assert ">Follow</button>" in (await cy.page("/@ada"))[1]
    resp = await ada.form(f"/follow_requests/{cy.account.id}/reject", {},
                          token_from="/notifications")
    assert resp.status == 404
    resp = await ada.client.post(f"/follow_requests/{cy.account.id}/reject",
                                 allow_redirects=False)
    assert resp.status == 403


async def test_notifications_list_mentions_favourites_and_boosts(member: Any, worker: Any) -> None:
    ada, bob = await member("ada"), await member("bob")
    await ada.form("/statuses", {"status": "hello"}, token_from="/home")
    [sid] = status_ids((await ada.page("/@ada"))[1])
    await bob.form(f"/statuses/{sid}/favourite", {}, token_from="/home")
    await bob.form(f"/statuses/{sid}/reblog", {}, token_from="/home")
    await bob.form("/statuses", {"status": "@ada hi there"}, token_from="/home")
    await worker().run_until_idle()
    status, page = await ada.page("/notifications")
    for says in ("mentioned you", "favourited your post", "boosted your post"):
        assert says in page
    assert "hi there" in page
    assert (await ada.page("/notifications?max_id=abc"))[0] == 200


async def test_following_a_remote_account_sends_a_follow(aiohttp_client: Any, db: Database,
                                                         clock: FrozenClock,
                                                         fediverse: Fediverse,  # noqa: F811
                                                         mastodon: FakeServer,  # noqa: F811
                                                         alice: FakeActor) -> None:  # noqa: F811
    config = make_config(allow_private_addresses=True)
    session = make_client_session(config, resolver=fediverse.resolver())
    try:
        client = await aiohttp_client(create_app(config, db=db, clock=clock, http=session))
        await make_user(db, config, clock, "ada")
        assert (await sign_in(client, "ada")).status == 303
        ctx = JobContext(db=db, clock=clock, config=config, http=session)
        remote = await remote_actors.get_or_fetch_actor(ctx, alice.uri)
        resp = await client.get(f"/@{alice.acct}")
        page = await resp.text()
        assert resp.status == 200 and "Alice" in page and ">Follow</button>" in page
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        resp = await client.post(f"/accounts/{remote.id}/follow",
                                 data={"csrf_token": token, "next": f"/@{alice.acct}"},
                                 allow_redirects=False)
        assert resp.status == 303 and resp.headers["Location"] == f"/@{alice.acct}"
        await Worker(ctx, job_handlers()).run_until_idle()
        [follow] = [a for a in mastodon.received_at(f"/users/{alice.name}/inbox")
                    if a["type"] == "Follow"]
        assert follow["object"] == alice.uri
        assert "Cancel follow request" in await (await client.get(f"/@{alice.acct}")).text()
        assert (await client.get("/@nobody@mastodon.test")).status == 404
    finally:
        await session.close()
