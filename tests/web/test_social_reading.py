"""The reading functions behind the pages, called directly: the same visibility as the API."""

from __future__ import annotations

from typing import Any

from server.clock import FrozenClock
from server.config import Config
from server.db import Database
from server.errors import NotFoundError
from server.follows import service as follows
from server.statuses import service
from server.statuses.compose import Draft
from server.statuses.threads import thread_order
from server.web.social import reading
from tests.federation.factories import make_status
from tests.helpers import make_account, make_remote_account


def test_thread_order_is_depth_first_and_hidden_replies_hide_their_subtree() -> None:
    pairs = [(2, 1), (3, 2), (4, 1), (5, 4), (6, 3)]
    assert thread_order(1, pairs, {2, 3, 4, 5, 6}) == [2, 3, 6, 4, 5]
    assert thread_order(1, pairs, {2, 4, 5, 6}) == [2, 4, 5]


async def test_thread_refuses_what_the_viewer_may_not_see(db: Database, config: Config,
                                                          clock: FrozenClock) -> None:
    ada = await make_account(db, config, clock, "ada")
    bob = await make_account(db, config, clock, "bob")
    async with db.transaction() as conn:
        root = await service.create_status(conn, config=config, author=ada, now=clock.now(),
                                           draft=Draft(text="root"))
        hidden = await service.create_status(conn, config=config, author=ada, now=clock.now(),
                                             draft=Draft(text="mine only", visibility="private",
                                                         in_reply_to_id=root.id))
    async with db.acquire() as conn:
        for viewer in (None, bob):
            thread = await reading.thread(conn, config=config, viewer=viewer, status_id=root.id,
                                          now=clock.now())
            assert thread.descendants == [] and thread.status["content"] == "<p>root</p>"
            try:
                await reading.thread(conn, config=config, viewer=viewer, status_id=hidden.id,
                                     now=clock.now())
            except NotFoundError:
                pass
            else:
                raise AssertionError("a followers-only reply was shown to a non-follower")
        mine = await reading.thread(conn, config=config, viewer=ada, status_id=hidden.id,
                                    now=clock.now())
        assert [s["id"] for s in mine.ancestors] == [str(root.id)]


async def test_public_pages_leave_out_blocked_authors(db: Database, config: Config,
                                                      clock: FrozenClock) -> None:
    ada = await make_account(db, config, clock, "ada")
    alice = await make_remote_account(db, clock, "alice")
    await make_status(db, clock, account_id=alice.id, username=None,
                      uri="https://mastodon.test/users/alice/statuses/1", content="<p>far</p>")
    async with db.acquire() as conn:
        page = await reading.public(conn, config=config, viewer_id=ada.id, local_only=False,
                                    max_id=None, now=clock.now())
        assert [s["content"] for s in page.items] == ["<p>far</p>"] and page.older is None
        assert (await reading.public(conn, config=config, viewer_id=None, local_only=True,
                                     max_id=None, now=clock.now())).items == []
    async with db.transaction() as conn:
        await follows.block(conn, config=config, account=ada, target=alice, now=clock.now())
    async with db.acquire() as conn:
        page = await reading.public(conn, config=config, viewer_id=ada.id, local_only=False,
                                    max_id=None, now=clock.now())
        assert page.items == []


async def test_a_remote_status_has_its_page_under_its_acct(member: Any, db: Database,
                                                           clock: FrozenClock) -> None:
    ada = await member("ada")
    alice = await make_remote_account(db, clock, "alice")
    status = await make_status(db, clock, account_id=alice.id, username=None,
                               uri="https://mastodon.test/users/alice/statuses/9",
                               content="<p>from afar</p>")
    code, page = await ada.page(f"/@alice@mastodon.test/{status.id}")
    assert code == 200 and "from afar" in page and ">@alice@mastodon.test </textarea>" in page
    assert (await ada.page(f"/@bob@mastodon.test/{status.id}"))[0] == 404
    code, page = await ada.page("/@alice@mastodon.test")
    assert code == 200 and "from afar" in page and "see its original profile" in page
    resp = await ada.client.get("/@ada@ch.test", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/@ada"
